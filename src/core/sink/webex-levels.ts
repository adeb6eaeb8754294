import { gunzipSync } from 'node:zlib'

export interface ReceivedLevels {
  ts: string | null
  audioMaxGain: unknown
  audioMeanGain: unknown
  audioMinGain: unknown
}

/**
 * The gains in a Webex-shaped body, read directly (JSON → base64 → gzip → JSON) rather than through the
 * telemetry decoder, so the sink is an independent witness of what it received. [] for other bodies.
 */
export function webexLevels(body: string): ReceivedLevels[] {
  try {
    const doc = JSON.parse(body) as { telemetrics?: { ts?: string; v?: { gzipb64data?: string } }[] }
    return (doc.telemetrics ?? []).flatMap((tel) => {
      if (typeof tel.v?.gzipb64data !== 'string') return []
      const inner = JSON.parse(gunzipSync(Buffer.from(tel.v.gzipb64data, 'base64')).toString('utf8')) as {
        event?: { intervals?: { audioTransmit?: { levels?: Record<string, unknown> }[] }[] }
      }
      return (inner.event?.intervals ?? []).flatMap((i) =>
        (i.audioTransmit ?? []).map((a) => ({
          ts: tel.ts ?? null,
          audioMaxGain: a.levels?.audioMaxGain,
          audioMeanGain: a.levels?.audioMeanGain,
          audioMinGain: a.levels?.audioMinGain,
        })),
      )
    })
  } catch {
    return []
  }
}
