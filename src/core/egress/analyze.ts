import { chmodSync, copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { EgressReportView } from '../../shared/contract/egress'
import type { Capture } from '../../shared/model'
import { cannotWrite, UserError } from '../errors'
import type { SessionStore } from '../store/session-store'
import { loadProfile } from '../telemetry'
import { capturedPeers, egressOf, packetsFile, saveEgress, type EgressRow } from './egress-store'
import { prove, recordSpans } from './prove'
import { readSecrets } from './secrets'
import { rawFile, settleRecording } from './settle'
import { findEditcap, findEgressTools, runTool } from './tools'
import { readStreams } from './tshark'

const capturePage = 5000

/** The session's captures in order, a page at a time. */
function* capturesOf(store: SessionStore, sessionId: number): Generator<Capture> {
  for (let offset = 0; ; offset += capturePage) {
    const page = store.captures(sessionId, offset, capturePage)
    yield* page
    if (page.length < capturePage) return
  }
}

/** What proving the egress of a session captured without --egress says. */
export function noEgress(sessionId: number): UserError {
  return new UserError(
    `session ${sessionId} was captured without --egress, so no packets were recorded; capture again with --egress`,
    'no_egress',
  )
}

/**
 * The session's egress recording; one whose capture ended without settling it (MuteScope was killed: the
 * recorder stopped with it) is settled now.
 */
async function recording(store: SessionStore, sessionId: number): Promise<EgressRow> {
  const session = store.getSession(sessionId)
  const row = egressOf(store, sessionId)
  if (!row) throw noEgress(sessionId)
  if (row.status !== 'recording' || session.status === 'running') return row
  if (existsSync(join(row.folder, rawFile))) {
    const note =
      'the capture ended without stopping the recording (MuteScope was stopped); settled afterwards'
    await settleRecording(store, sessionId, row.folder, findEgressTools().tshark, note)
  } else {
    const reason = 'the capture ended before the packets were kept (MuteScope was stopped)'
    saveEgress(store, { ...row, status: 'unavailable', reason })
  }
  return egressOf(store, sessionId)!
}

/** The session's secrets as one key log file for tshark and editcap (rewritten each time), or null if none. */
function secretsFile(folder: string): { file: string | null; count: number } {
  const lines = readSecrets(folder)
  const file = join(folder, 'secrets.keylog')
  if (lines.length === 0) {
    rmSync(file, { force: true })
    return { file: null, count: 0 }
  }
  writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 })
  return { file, count: lines.length }
}

/** The steps of an analysis, in order, as reported while it runs. */
export const egressStages = [
  'reading the recording',
  'decrypting the packets',
  'proving the records',
] as const
export type EgressStage = (typeof egressStages)[number]

/** Proves, record by record, that the session's telemetry left the machine (see prove.ts). */
export async function analyzeEgress(
  store: SessionStore,
  sessionId: number,
  onStage?: (stage: EgressStage) => void,
): Promise<EgressReportView> {
  const started = performance.now()
  onStage?.('reading the recording')
  const row = await recording(store, sessionId)
  const records = store.telemetry(sessionId)
  const base = { sessionId, status: row.status, reason: row.reason, records: records.length }
  const pcap = join(row.folder, packetsFile)
  if (row.status !== 'recorded' || !existsSync(pcap)) {
    const why =
      row.status === 'recording'
        ? 'the capture is still running'
        : row.status === 'unavailable'
          ? `egress was not recorded: ${row.reason ?? 'unknown reason'}`
          : 'the recorded packets are gone from the session folder'
    return {
      ...base,
      proven: 0,
      streams: [],
      unproven: records.map((r) => ({ t: r.t, host: r.host, path: r.path, conn: r.conn, reason: why })),
      proofs: [],
      secrets: 0,
      analysisMs: performance.now() - started,
    }
  }
  const { tshark } = findEgressTools()
  const secrets = secretsFile(row.folder)
  const peers = new Set(capturedPeers(store, sessionId))
  onStage?.('decrypting the packets')
  const streams = await readStreams(tshark, pcap, secrets.file, (e) => peers.has(e))
  onStage?.('proving the records')
  const profile = loadProfile(store.getSession(sessionId).profile || 'webex')
  const { proofs, unproven } = prove(records, recordSpans(capturesOf(store, sessionId), profile), streams)
  return {
    ...base,
    proven: proofs.length,
    streams: streams.map((s) => ({
      server: s.sni,
      peer: s.server,
      packets: s.packets,
      bytes: s.bytes,
      stream: s.index,
      client: s.client,
    })),
    unproven,
    proofs,
    secrets: secrets.count,
    analysisMs: performance.now() - started,
  }
}

/** Writes the session's packets to `out` as pcapng with its TLS secrets embedded (Wireshark opens it decrypted). */
export async function writeEgressPcapng(
  store: SessionStore,
  sessionId: number,
  out: string,
): Promise<{ packets: string; secrets: number }> {
  const row = await recording(store, sessionId)
  const pcap = join(row.folder, packetsFile)
  if (row.status !== 'recorded' || !existsSync(pcap))
    throw new UserError(
      `session ${sessionId} has no recorded packets (${row.status === 'unavailable' ? `egress unavailable: ${row.reason}` : row.status})`,
      'no_egress',
    )
  const secrets = secretsFile(row.folder)
  try {
    if (secrets.file) {
      const r = await runTool(
        findEditcap(),
        ['--inject-secrets', `tls,${secrets.file}`, '-F', 'pcapng', pcap, out],
        {
          timeoutMs: 5 * 60_000,
          maxOutput: 1024 * 1024,
        },
      )
      if (r.code !== 0) throw new UserError(`editcap could not write ${out}: ${r.stderr || `exit ${r.code}`}`)
    } else copyFileSync(pcap, out)
    chmodSync(out, 0o600)
  } catch (err) {
    rmSync(out, { force: true })
    if (err instanceof UserError) throw err
    throw cannotWrite(out, err)
  }
  return { packets: out, secrets: secrets.count }
}
