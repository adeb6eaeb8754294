// The system parts the test suite runs, each checked by running it: a binary that is present but cannot
// start counts as missing. Used by scripts/preflight.ts (before the tests) and scripts/setup.ts.
import { spawn } from 'node:child_process'
import { figureFontFile } from '../src/core/analysis/figure-font'

/** pip's Frida, which scripts/setup.ts installs with pip rather than a system package manager. */
export const fridaPart = "pip's frida 17 (python3)"

const tools: { name: string; argv: string[] }[] = [
  { name: 'chromium', argv: ['chromium', '--headless', '--version'] },
  { name: 'firefox-esr', argv: ['firefox-esr', '--headless', '--version'] },
  { name: 'certutil (NSS tools)', argv: ['certutil', '--build-flags'] },
  { name: 'ffmpeg', argv: ['ffmpeg', '-version'] },
  { name: 'sox', argv: ['sox', '--version'] },
  { name: 'pactl', argv: ['pactl', '--version'] },
  { name: 'pacat', argv: ['pacat', '--version'] },
  // The mic-access tests' real apps: arecord, PortAudio (through ctypes), PipeWire's daemon and recorder.
  { name: 'arecord (alsa-utils)', argv: ['arecord', '--version'] },
  {
    name: 'PortAudio (libportaudio.so.2)',
    argv: ['python3', '-c', 'import ctypes; ctypes.CDLL("libportaudio.so.2")'],
  },
  { name: 'pipewire', argv: ['pipewire', '--version'] },
  { name: 'pw-record (pipewire-bin)', argv: ['pw-record', '--version'] },
  {
    name: fridaPart,
    argv: [
      'python3',
      '-c',
      'import sys, frida; v = frida.__version__; sys.exit(None if v.startswith("17.") else "frida " + v + " is installed; 17.x is needed")',
    ],
  },
  { name: 'dumpcap', argv: ['dumpcap', '-v'] },
  { name: 'tshark', argv: ['tshark', '-v'] },
  { name: 'editcap', argv: ['editcap', '-v'] },
  { name: 'tcpdump', argv: ['tcpdump', '--version'] },
  { name: 'java', argv: ['java', '-version'] },
  { name: 'curl', argv: ['curl', '--version'] },
  { name: 'wget', argv: ['wget', '--version'] },
  { name: 'openssl', argv: ['openssl', 'version'] },
  { name: 'pdftoppm', argv: ['pdftoppm', '-v'] },
  { name: 'pdffonts', argv: ['pdffonts', '-v'] },
  { name: 'ip (iproute2)', argv: ['ip', '-V'] },
  { name: 'ps (procps)', argv: ['ps', '--version'] },
  { name: 'setpriv (util-linux)', argv: ['setpriv', '--version'] },
  // The Windows hooks run for real under Wine, on programs built from test/fixtures/windows.
  { name: 'wine (wine64)', argv: ['wine', '--version'] },
  { name: 'x86_64-w64-mingw32-gcc (mingw-w64)', argv: ['x86_64-w64-mingw32-gcc', '--version'] },
]

/** How many parts `failingParts` checks: the tools and the figures font. */
export const partCount = tools.length + 1

const timeoutMs = 20_000

/** Why running `argv` failed, or null when it exited 0. */
export function failure(argv: string[]): Promise<string | null> {
  return new Promise((done) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
    let timedOut = false
    // Our own timer rather than spawn's, which would keep this process alive after a failed start.
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    const end = (why: string | null) => {
      clearTimeout(timer)
      done(why)
    }
    let output = ''
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(0, 2000))
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('error', (err: NodeJS.ErrnoException) =>
      end(err.code === 'ENOENT' ? 'not found on PATH' : `cannot start: ${err.message}`),
    )
    child.on('close', (code, signal) => {
      if (timedOut) return end(`does not answer within ${timeoutMs / 1000} s`)
      if (code === 0) return end(null)
      const said =
        output
          .split('\n')
          .find((l) => l.trim() !== '')
          ?.trim() ?? ''
      end(`exits with ${code ?? signal}${said ? `: ${said.slice(0, 160)}` : ''}`)
    })
  })
}

/** The native modules, built for Node: after a rebuild for Electron's ABI (postinstall) they load in Electron only. */
export const nativeModules = ['better-sqlite3', 're2']

/** Why the native modules do not load in this Node, or null. */
export function nativeModulesFailure(): Promise<string | null> {
  return failure([
    process.execPath,
    '-e',
    nativeModules.map((m) => `require(${JSON.stringify(m)})`).join(';'),
  ])
}

/** Every part that is missing or does not run, as `name: why`, all run at once. */
export async function failingParts(): Promise<string[]> {
  const ran = await Promise.all(tools.map(async (t) => ({ name: t.name, why: await failure(t.argv) })))
  const out = ran.flatMap((r) => (r.why ? [`${r.name}: ${r.why}`] : []))
  if (figureFontFile() === null) out.push('DejaVu Sans (the figures font): not installed')
  return out
}
