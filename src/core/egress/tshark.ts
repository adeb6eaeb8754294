import { chmodSync } from 'node:fs'
import { isIP } from 'node:net'
import { UserError } from '../errors'
import { runTool } from './tools'

/**
 * tshark, run with bounded time and output: cutting a recording down to the session's streams, and reading
 * the decrypted application data of each TCP stream with the frames that carried it. HTTP and HTTP/2
 * dissection is switched off so that TLS hands every decrypted byte to the "data" dissector (data.data):
 * the bytes the application wrote, whatever protocol they hold.
 */

const filterTimeoutMs = 10 * 60_000
const readTimeoutMs = 10 * 60_000
/** tshark's hex output per analysis (the decrypted data of a stream appears twice as many hex digits). */
const maxReadOutput = 2 * 1024 ** 3
/** Decrypted client-to-server bytes kept per analysis. */
const maxDataBytes = 512 * 1024 ** 2
const maxPeers = 2000

/** A stretch of a stream's decrypted data and the frames (TCP segments) that carried it. */
export interface Chunk {
  start: number
  end: number
  frames: number[]
}

/** One TCP stream of the recording, as seen on the wire. */
export interface WireStream {
  /** tshark's tcp.stream index. */
  index: number
  /** "host:port" of each end; the client opened the connection (SYN, else ClientHello). */
  client: string
  server: string
  /** Server name from the ClientHello's SNI. */
  sni: string | null
  packets: number
  /** Bytes on the wire (whole frames, both directions). */
  bytes: number
  /** Encrypted TLS application-data records the client sent. */
  tlsRecords: number
  /** The client's decrypted application data (its TCP payload for plain TCP), in stream order. */
  data: Buffer
  chunks: Chunk[]
  /** Capture time (ms since the epoch) of every frame of the stream. */
  times: Map<number, number>
}

/** "host:port" with IPv6 in brackets, as the agent names peers. */
function endpoint(ip: string, port: string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

/** A display filter matching the TCP streams to these peers; peers that are not IP:port are skipped. */
export function peerFilter(peers: readonly string[]): string | null {
  const parts: string[] = []
  for (const peer of peers.slice(0, maxPeers)) {
    const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(peer)
    if (!m) continue
    const version = isIP(m[1])
    if (version === 0) continue
    parts.push(`(${version === 4 ? 'ip' : 'ipv6'}.addr == ${m[1]} && tcp.port == ${m[2]})`)
  }
  return parts.length ? parts.join(' || ') : null
}

/** Writes the packets of `raw` that belong to the streams to `peers` into `out` (pcapng, 0600); false if none named. */
export async function keepPeers(
  tshark: string,
  raw: string,
  out: string,
  peers: readonly string[],
): Promise<boolean> {
  const filter = peerFilter(peers)
  if (!filter) return false
  const r = await runTool(tshark, ['-n', '-r', raw, '-Y', filter, '-F', 'pcapng', '-w', out], {
    timeoutMs: filterTimeoutMs,
    maxOutput: 1024 * 1024,
  })
  if (r.code !== 0)
    throw new UserError(`tshark could not filter the recorded packets: ${r.stderr || `exit ${r.code}`}`)
  chmodSync(out, 0o600)
  return true
}

const fields = [
  'frame.number',
  'frame.time_epoch',
  'frame.len',
  'tcp.stream',
  'ip.src',
  'ipv6.src',
  'tcp.srcport',
  'ip.dst',
  'ipv6.dst',
  'tcp.dstport',
  'tcp.flags.syn',
  'tcp.flags.ack',
  'tls.handshake.type',
  'tls.handshake.extensions_server_name',
  'tls.record.content_type',
  'tls.record.opaque_type',
  'tcp.segment',
  'data.data',
] as const

interface Building {
  index: number
  ends: [string, string]
  client: string | null
  sni: string | null
  packets: number
  bytes: number
  /** Per sending end: decrypted data pieces and TLS app-data record counts, until the client is known. */
  sent: Map<string, { pieces: { bytes: Buffer; frames: number[] }[]; records: number }>
  times: Map<number, number>
}

const last = (list: string) => list.split(',').pop() ?? ''
const truthy = (v: string) => v === '1' || v === 'True'

/**
 * Every TCP stream of `pcap`, decrypted with the secrets in `keylog`, keyed by tcp.stream. `isPeer` names the
 * server end of a stream whose opening was not recorded.
 */
export async function readStreams(
  tshark: string,
  pcap: string,
  keylog: string | null,
  isPeer: (endpoint: string) => boolean,
): Promise<WireStream[]> {
  const streams = new Map<number, Building>()
  let kept = 0
  const onLine = (line: string) => {
    if (!line) return
    const f = line.split('\t')
    if (f.length !== fields.length || f[3] === '') return
    const frame = Number(f[0])
    const index = Number(f[3])
    const src = endpoint(last(f[4] || f[5]), f[6])
    const dst = endpoint(last(f[7] || f[8]), f[9])
    let s = streams.get(index)
    if (!s) {
      s = {
        index,
        ends: [src, dst],
        client: null,
        sni: null,
        packets: 0,
        bytes: 0,
        sent: new Map(),
        times: new Map(),
      }
      streams.set(index, s)
    }
    s.packets++
    s.bytes += Number(f[2]) || 0
    s.times.set(frame, Number(f[1]) * 1000)
    const clientHello = f[12].split(',').includes('1')
    if (!s.client && ((truthy(f[10]) && !truthy(f[11])) || clientHello)) {
      s.client = src
      for (const end of [...s.sent.keys()]) if (end !== src) s.sent.delete(end)
    }
    if (clientHello && f[13]) s.sni = f[13].split(',')[0]
    if (s.client && s.client !== src) return
    let mine = s.sent.get(src)
    if (!mine) s.sent.set(src, (mine = { pieces: [], records: 0 }))
    mine.records += [...f[14].split(','), ...f[15].split(',')].filter((t) => t === '23').length
    if (!f[17]) return
    const frames = f[16] ? f[16].split(',').map(Number) : [frame]
    for (const hex of f[17].split(',')) {
      const bytes = Buffer.from(hex, 'hex')
      kept += bytes.length
      if (kept > maxDataBytes)
        throw new UserError(
          `the streams hold more than ${maxDataBytes / 1024 ** 2} MiB of decrypted data; not analysed`,
        )
      mine.pieces.push({ bytes, frames })
    }
  }
  const args = ['-n', '-r', pcap, '--disable-protocol', 'http', '--disable-protocol', 'http2']
  if (keylog) args.push('-o', `tls.keylog_file:${keylog}`)
  args.push(
    '-T',
    'fields',
    '-E',
    'header=n',
    '-E',
    'occurrence=a',
    '-E',
    'separator=/t',
    '-E',
    'aggregator=,',
  )
  for (const f of fields) args.push('-e', f)
  const r = await runTool(tshark, args, { timeoutMs: readTimeoutMs, maxOutput: maxReadOutput }, onLine)
  if (r.code !== 0)
    throw new UserError(`tshark could not read the recorded packets: ${r.stderr || `exit ${r.code}`}`)
  return [...streams.values()].map(finish(isPeer))
}

function finish(isPeer: (endpoint: string) => boolean) {
  return (s: Building): WireStream => {
    const client = s.client ?? (isPeer(s.ends[0]) ? s.ends[1] : s.ends[0])
    const server = s.ends[0] === client ? s.ends[1] : s.ends[0]
    const sent = s.sent.get(client) ?? { pieces: [], records: 0 }
    const chunks: Chunk[] = []
    let at = 0
    for (const p of sent.pieces) {
      chunks.push({ start: at, end: at + p.bytes.length, frames: p.frames })
      at += p.bytes.length
    }
    return {
      index: s.index,
      client,
      server,
      sni: s.sni,
      packets: s.packets,
      bytes: s.bytes,
      tlsRecords: sent.records,
      data: Buffer.concat(sent.pieces.map((p) => p.bytes)),
      chunks,
      times: s.times,
    }
  }
}
