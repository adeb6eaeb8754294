import type { Command } from 'commander'
import { noEgress, writeEgressPcapng } from '../../core/egress/analyze'
import { SessionStore } from '../../core/store/session-store'
import type { EgressReportView } from '../../shared/contract/egress'
import { action, positiveInt, printJsonLine } from '../action'
import { callApi } from '../dispatch'

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`
const time = (t: number) => new Date(t).toISOString().replace('T', ' ').slice(0, 23)

function text(r: EgressReportView): string {
  const lines = [
    `session ${r.sessionId}: ${r.proven} of ${r.records} telemetry records proven on the wire ` +
      `(${count(r.streams.length, 'stream')}, ${count(r.secrets, 'TLS secret')}, ` +
      `analysed in ${(r.analysisMs / 1000).toFixed(2)} s)` +
      (r.reason ? `; egress ${r.status}: ${r.reason}` : ''),
  ]
  for (const s of r.streams)
    lines.push(
      `stream ${s.stream}  ${s.server ?? '(no SNI)'}  ${s.client} -> ${s.peer}  ${s.packets} packets  ${s.bytes} B`,
    )
  for (const p of r.proofs) {
    const first = p.packets[0]
    lines.push(
      `proven    ${time(p.t)}  ${p.host ?? ''}${p.path ?? ''}  stream ${p.stream} (${p.server ?? p.peer}), ` +
        `packets ${p.packets.map((f) => f.n).join(',')}${first ? ` at ${time(first.t)}` : ''}`,
    )
  }
  for (const u of r.unproven)
    lines.push(`unproven  ${time(u.t)}  ${u.host ?? ''}${u.path ?? ''}  ${u.reason}`)
  return lines.join('\n') + '\n'
}

export function registerEgress(program: Command): void {
  program
    .command('egress <session>')
    .description(
      "prove that the telemetry of a session captured with --egress left the machine: each record's plaintext, " +
        'byte for byte, in the decrypted data of a TCP stream recorded on the wire (with its server, peer and packets)',
    )
    .option(
      '--json',
      'print one JSON object {records, proven, streams: [{server, peer, packets, bytes}], unproven}',
    )
    .option(
      '--pcapng <file>',
      'also write the packets with their TLS secrets embedded (Wireshark opens them decrypted)',
    )
    .action(
      action(async (raw: string, opts: { json?: boolean; pcapng?: string }) => {
        const id = positiveInt('session id')(raw)
        if (opts.pcapng) {
          // Written here, whatever its size: the API's egressPcapng carries at most maxEgressPcapngBytes.
          const store = SessionStore.open()
          const w = await writeEgressPcapng(store, id, opts.pcapng).finally(() => store.close())
          const note = `wrote ${w.packets} with ${w.secrets} TLS secrets embedded\n`
          if (opts.json) process.stderr.write(`mutescope: ${note}`)
          else process.stdout.write(note)
        }
        const r = await callApi('egressReport', { id, listAll: true })
        if (r.status === 'none') throw noEgress(id)
        if (!opts.json) process.stdout.write(text(r))
        else
          printJsonLine({
            records: r.records,
            proven: r.proven,
            streams: r.streams.map((s) => ({
              server: s.server,
              peer: s.peer,
              packets: s.packets,
              bytes: s.bytes,
            })),
            unproven: r.unproven,
          })
      }),
    )
}
