// `npm run setup`: installs what the tests need (system packages, pip's Frida) where the user may install,
// then fetches the reference data. Says each command before running it, installs nothing when every part
// already runs, and starts nothing that keeps running (the tests start PulseAudio themselves).
import { spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { platform } from 'node:os'
import { join } from 'node:path'
import { failingParts, fridaPart, nativeModules, nativeModulesFailure } from './system-parts'

/** Packages apt and dnf both call by the same name, listed once so the two lists cannot drift apart. */
const sameOnAptAndDnf = ['sox', 'espeak-ng', 'curl', 'wget', 'openssl', 'ca-certificates']

/** Per package manager, the packages that hold the parts scripts/system-parts.ts runs. */
const systemPackages = {
  apt: [
    'chromium',
    'firefox-esr',
    'libnss3-tools',
    'fonts-dejavu-core',
    'ffmpeg',
    'pulseaudio',
    'pulseaudio-utils',
    // The mic-access tests' real apps: arecord through ALSA's pulse plugin, PortAudio, PipeWire's daemon and
    // recorder (pipewire-bin only: no user service that would start a sound server of its own).
    'alsa-utils',
    'libasound2-plugins',
    'libportaudio2',
    'pipewire-bin',
    ...sameOnAptAndDnf,
    'procps',
    'util-linux',
    'poppler-utils',
    'tshark',
    'wireshark-common',
    'tcpdump',
    'iproute2',
    'default-jdk-headless',
    'python3',
    'python3-pip',
    'wine',
    'wine64',
    'gcc-mingw-w64-x86-64',
  ],
  dnf: [
    'chromium',
    'firefox',
    'nss-tools',
    'dejavu-sans-fonts',
    'ffmpeg-free',
    'pulseaudio-utils',
    'alsa-utils',
    'alsa-plugins-pulseaudio',
    'portaudio',
    'pipewire',
    'pipewire-utils',
    ...sameOnAptAndDnf,
    'procps-ng',
    'util-linux',
    'poppler-utils',
    'wireshark-cli',
    'tcpdump',
    'iproute',
    'java-latest-openjdk-headless',
    'python3',
    'python3-pip',
    'wine',
    'mingw64-gcc',
  ],
  // macOS: what the workbench uses; the test suite itself needs Linux (PulseAudio, network namespaces).
  brew: ['ffmpeg', 'sox', 'wireshark', 'python'],
}
/** Ubuntu has the browsers under other names. */
const ubuntuNames: Record<string, string> = { chromium: 'chromium-browser', 'firefox-esr': 'firefox' }
const frida = 'frida>=17,<18'
const root = join(__dirname, '..')

function say(line: string): void {
  process.stdout.write(`setup: ${line}\n`)
}

function fail(message: string): never {
  process.stderr.write(`setup: ${message}\n`)
  process.exit(1)
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v "$0"`, command], { stdio: 'ignore' }).status === 0
}

/** Runs a command, shown first; setup stops when it fails. */
function run(argv: string[], opts: SpawnSyncOptions = {}): void {
  say(`running: ${argv.join(' ')}`)
  const r = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit', cwd: root, ...opts })
  if (r.status !== 0)
    fail(
      `"${argv.join(' ')}" failed (${r.error?.message ?? `exit ${r.status}`}); fix that and run npm run setup again`,
    )
}

/** Nothing as root, sudo otherwise (it asks for the user's password). */
function asRoot(): string[] {
  if (process.getuid?.() === 0) return []
  if (has('sudo')) return ['sudo']
  return fail('installing system packages needs root: run npm run setup as root, or install sudo')
}

function osId(): string {
  if (!existsSync('/etc/os-release')) return ''
  return /^ID="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? ''
}

/** Installs the packages of this system's package manager; each manager skips those already installed. */
function installSystemPackages(): void {
  if (platform() === 'darwin') {
    if (!has('brew')) fail('install Homebrew (https://brew.sh), then run npm run setup again')
    run(['brew', 'install', ...systemPackages.brew])
  } else if (platform() !== 'linux') fail(`the tests run on Linux, not ${platform()}`)
  else if (has('apt-get')) {
    const names = systemPackages.apt.map((p) => (osId() === 'ubuntu' ? (ubuntuNames[p] ?? p) : p))
    // sudo drops the environment: the variable goes on the command line.
    const apt = [...asRoot(), 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get']
    run([...apt, 'update', '-q'])
    run([...apt, 'install', '-y', '-q', '--no-install-recommends', ...names])
  } else if (has('dnf')) run([...asRoot(), 'dnf', 'install', '-y', ...systemPackages.dnf])
  else
    fail(
      'no apt-get, dnf or brew here: install the counterparts of these Debian packages, then run npm run setup ' +
        `again: ${systemPackages.apt.join(' ')}`,
    )
}

/** pip's Frida 17 for python3, into the user's own site where the system's Python refuses pip (PEP 668). */
function installFrida(): void {
  const pip = ['python3', '-m', 'pip', 'install', '-q', frida]
  say(`running: ${pip.join(' ')}`)
  const r = spawnSync(pip[0], pip.slice(1), { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] })
  if (r.status === 0) return
  if (!/externally-managed-environment/.test(r.stderr ?? '')) {
    process.stderr.write(r.stderr ?? '')
    fail(`pip could not install ${frida}; fix that and run npm run setup again`)
  }
  run([...pip, '--user', '--break-system-packages'])
}

async function main(): Promise<void> {
  const missing = await failingParts()
  if (missing.length === 0) say('system packages and Frida: every part the tests run is here already')
  else {
    say(`missing or not running: ${missing.join('; ')}`)
    const isFrida = (m: string) => m.startsWith(`${fridaPart}:`)
    if (!missing.every(isFrida)) installSystemPackages()
    if (missing.some(isFrida)) installFrida()
    const still = await failingParts()
    if (still.length > 0 && platform() === 'linux')
      fail(
        `installed, but these still do not run: ${still.join('; ')}; install them by hand, then run npm test`,
      )
    if (still.length > 0) say(`the tests run on Linux; here these are missing: ${still.join('; ')}`)
  }
  // Where postinstall rebuilt them for Electron, the tests (plain Node) need them built for Node again.
  if (await nativeModulesFailure()) run(['npm', 'rebuild', ...nativeModules])
  // The CLI does the fetch; build it (a few seconds) in case this is a fresh clone.
  run([process.execPath, 'scripts/build-node.mjs'])
  const from = process.env.MUTESCOPE_REFERENCE_FROM
  run([process.execPath, 'bin/mutescope.cjs', 'data', 'fetch', ...(from ? ['--from', from] : [])])
  say('done; npm test runs the tests')
}

void main()
