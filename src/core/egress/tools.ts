import { spawn } from 'node:child_process'
import { findOnPath } from '../capture/spawn-argv'
import { UserError } from '../errors'

/**
 * The Wireshark and tcpdump programs that egress proof runs, found on PATH. Their absence is a UserError that
 * names the package to install, so a capture can go on without proof and say why.
 */

export type RecorderKind = 'dumpcap' | 'tcpdump'

export interface EgressTools {
  recorder: { kind: RecorderKind; path: string }
  tshark: string
}

/** The packet recorder (dumpcap, else tcpdump) and tshark; a UserError naming the package when one is missing. */
export function findEgressTools(): EgressTools {
  const dumpcap = findOnPath('dumpcap')
  const tcpdump = dumpcap ? null : findOnPath('tcpdump')
  const tshark = findOnPath('tshark')
  if (!dumpcap && !tcpdump)
    throw new UserError(
      'egress proof records packets with dumpcap or tcpdump, and neither is on PATH: install one ' +
        '(Debian/Ubuntu: "apt-get install wireshark-common" for dumpcap, or "apt-get install tcpdump")',
      'egress_tools',
    )
  if (!tshark)
    throw new UserError(
      'egress proof decrypts the packets with tshark, which is not on PATH: install it ' +
        '(Debian/Ubuntu: "apt-get install tshark"; Fedora: "dnf install wireshark-cli")',
      'egress_tools',
    )
  return {
    recorder: dumpcap ? { kind: 'dumpcap', path: dumpcap } : { kind: 'tcpdump', path: tcpdump! },
    tshark,
  }
}

/** editcap, which embeds the TLS secrets in a pcapng. */
export function findEditcap(): string {
  const editcap = findOnPath('editcap')
  if (!editcap)
    throw new UserError(
      'writing a pcapng with its TLS secrets needs editcap, which is not on PATH: install it ' +
        '(Debian/Ubuntu: "apt-get install wireshark-common")',
      'egress_tools',
    )
  return editcap
}

/** The fix for a recorder that may not capture packets. */
export function permissionFix(kind: RecorderKind, path: string): string {
  return kind === 'dumpcap'
    ? `run MuteScope as root, or let dumpcap capture: "sudo setcap cap_net_raw,cap_net_admin+eip ${path}" ` +
        '(Debian/Ubuntu: "sudo dpkg-reconfigure wireshark-common", then "sudo usermod -aG wireshark $USER" and log in again)'
    : `run MuteScope as root, or grant tcpdump the capabilities: "sudo setcap cap_net_raw,cap_net_admin+eip ${path}"`
}

export interface ToolResult {
  code: number
  stderr: string
}

export interface ToolLimits {
  timeoutMs: number
  /** stdout bytes at most; past them the tool is stopped and the run fails. */
  maxOutput: number
}

/**
 * Runs a Wireshark tool to its end within `limits`: stdout goes to `onLine` line by line (never held whole),
 * stderr's tail is kept for the message. Times out or overflows as a UserError naming the limit.
 */
export function runTool(
  file: string,
  args: string[],
  limits: ToolLimits,
  onLine: (line: string) => void = () => undefined,
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    let out = 0
    let rest = ''
    let failure: Error | null = null
    const stop = (err: Error) => {
      failure ??= err
      child.kill('SIGKILL')
    }
    const timer = setTimeout(
      () => stop(new UserError(`${file} took longer than ${limits.timeoutMs / 1000} s and was stopped`)),
      limits.timeoutMs,
    )
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      out += chunk.length
      if (out > limits.maxOutput) {
        stop(new UserError(`${file} printed more than ${limits.maxOutput} bytes and was stopped`))
        return
      }
      const lines = (rest + chunk).split('\n')
      rest = lines.pop() ?? ''
      try {
        for (const l of lines) onLine(l)
      } catch (err) {
        stop(err as Error)
      }
    })
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (s: string) => (stderr = (stderr + s).slice(-8192)))
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (failure) return reject(failure)
      try {
        if (rest) onLine(rest)
      } catch (err) {
        return reject(err as Error)
      }
      resolve({ code: code ?? (signal ? 128 : 1), stderr: quiet(stderr) })
    })
  })
}

/** stderr without the "Running as user root" warning Wireshark's tools print to root. */
export function quiet(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => l.trim() && !/^Running as user "root"/.test(l))
    .join('\n')
}
