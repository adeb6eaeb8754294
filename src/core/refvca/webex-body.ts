import { randomUUID } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { agcModelName, type IntervalGains } from './agc'

/**
 * A request body shaped like Webex's media-quality telemetry (as in the PETS 2022 artifact): the JSON
 * document is gzip'ed, base64'ed and carried in telemetrics[].v.gzipb64data; its
 * event.intervals[].audioTransmit[].levels hold the gains. `pd` names MuteScope so no one mistakes it
 * for Webex.
 */
export function webexBody(gains: IntervalGains, ts: Date, correlationId: string): string {
  const inner = {
    event: {
      identifiers: { correlationId },
      intervals: [
        {
          audioReceive: [],
          audioTransmit: [{ common: { direction: 'sendrecv', isMain: true }, levels: gains }],
          intervalMetadata: { agc: agcModelName },
        },
      ],
    },
  }
  return JSON.stringify({
    telemetrics: [
      {
        cid: correlationId,
        pd: 'MuteScope-refvca',
        t: 'wmequality',
        tid: randomUUID(),
        ts: ts.toISOString(),
        v: { gzipb64data: gzipSync(JSON.stringify(inner)).toString('base64') },
        ver: '2.0',
      },
    ],
  })
}
