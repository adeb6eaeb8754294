import { execFileSync, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { spawnCli } from '../support/helpers'

/**
 * A lab machine on this computer: a network namespace joined to the host by a veth pair, each end with its
 * own address. What runs in it reaches the workbench only across that link, which a test can cut.
 */
export interface Lab {
  ns: string
  hostIp: string
  nsIp: string
  /** Takes the lab's end of the link down (packets are dropped, connections stay) and back up. */
  cut(): void
  restore(): void
  /** Deletes the link and the namespace; safe to call twice, and after a failed setup. */
  remove(): void
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' })

/** A 10.214.N.0/30 no interface uses yet: tests in other lanes make labs at the same time. */
function freeSubnet(): number {
  const used = execFileSync('ip', ['-o', 'addr', 'show'], { encoding: 'utf8' })
  for (let i = 0; i < 200; i++) {
    const n = ((process.pid + i) % 200) + 20
    if (!used.includes(`10.214.${n}.`)) return n
  }
  throw new Error('no free 10.214.N.0/30 for a lab: remove stale mutescope-* namespaces (ip netns)')
}

export function makeLab(tag: string): Lab {
  const n = freeSubnet()
  const ns = `mutescope-${tag}-${process.pid}`
  const hostIf = `${tag.slice(0, 3)}h${process.pid % 100000}`
  const nsIf = `${tag.slice(0, 3)}n${process.pid % 100000}`
  const lab: Lab = {
    ns,
    hostIp: `10.214.${n}.1`,
    nsIp: `10.214.${n}.2`,
    cut: () => ip('-n', ns, 'link', 'set', nsIf, 'down'),
    restore: () => ip('-n', ns, 'link', 'set', nsIf, 'up'),
    remove: () => {
      // Deleting one end of the veth pair deletes both.
      if (execFileSync('ip', ['link'], { encoding: 'utf8' }).includes(hostIf)) ip('link', 'delete', hostIf)
      if (execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).includes(ns)) ip('netns', 'delete', ns)
    },
  }
  try {
    ip('netns', 'add', ns)
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf)
    ip('link', 'set', nsIf, 'netns', ns)
    ip('addr', 'add', `${lab.hostIp}/30`, 'dev', hostIf)
    ip('link', 'set', hostIf, 'up')
    ip('-n', ns, 'addr', 'add', `${lab.nsIp}/30`, 'dev', nsIf)
    ip('-n', ns, 'link', 'set', nsIf, 'up')
    ip('-n', ns, 'link', 'set', 'lo', 'up')
  } catch (err) {
    lab.remove()
    throw err
  }
  return lab
}

/** A port free on `host` now (the listener that found it is closed again). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export interface Background {
  child: ChildProcess
  readonly stdout: string
  readonly stderr: string
  exited: Promise<number | null>
  /** Resolves with the first match of `re` in stdout+stderr; rejects after `timeoutMs` or at exit. */
  seen(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** SIGINT (Ctrl-C), then SIGKILL if it has not exited within 20 s. */
  stop(): Promise<number | null>
}

/** `mutescope ARGS` in the background, in the lab's namespace when `ns` is given, with `env` added. */
export function startCli(
  args: string[],
  dataDir: string,
  ns: string | null = null,
  env: Record<string, string> = {},
): Background {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`)
  const wrap = [...(ns ? ['ip', 'netns', 'exec', ns] : []), ...(vars.length ? ['env', ...vars] : [])]
  const { child, out, exited } = spawnCli(args, dataDir, wrap)
  return {
    child,
    exited,
    get stdout() {
      return out.stdout
    },
    get stderr() {
      return out.stderr
    },
    async seen(re, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const m = re.exec(out.stdout + out.stderr)
        if (m) return m
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no ${re} from mutescope ${args.join(' ')}; stderr: ${out.stderr.slice(-3000)}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}

export interface LinkedPortal {
  portal: Background
  cluster: string
  control: string
  labLink: string
  token: string
  /** The lab link's certificate, written where a lab machine's operator would put it to pin it. */
  certFile: string
}

/**
 * `mutescope portal serve --name lab` with its lab link: the cluster and lab link on `labSide` (where lab
 * machines reach it), control on loopback; the lab link's certificate written into `labDir`.
 */
export async function startLinkedPortal(
  labSide: string,
  workbench: string,
  labDir: string,
): Promise<LinkedPortal> {
  const cluster = `${labSide}:${await freePort(labSide)}`
  const control = `127.0.0.1:${await freePort('127.0.0.1')}`
  const labLink = `${labSide}:${await freePort(labSide)}`
  const portal = startCli(
    [
      'portal',
      'serve',
      '--cluster',
      cluster,
      '--control',
      control,
      '--lab',
      labLink,
      '--name',
      'lab',
      '--json',
    ],
    workbench,
  )
  const listening = JSON.parse((await portal.seen(/^\{"event":"listening".*$/m))[0]) as {
    token: string
    lab: string
    labCertificate: string
  }
  if (listening.lab !== labLink) throw new Error(`the lab link listens at ${listening.lab}, not ${labLink}`)
  const certFile = join(labDir, 'lab-link.pem')
  writeFileSync(certFile, listening.labCertificate)
  return { portal, cluster, control, labLink, token: listening.token, certFile }
}

/** `mutescope lab-agent` offering its machine's microphone to `p`'s lab link as `machine`. */
export function labAgentArgs(p: LinkedPortal, machine: string, ...more: string[]): string[] {
  const { cluster, labLink, token, certFile } = p
  return [
    'lab-agent',
    '--portal',
    cluster,
    '--lab',
    labLink,
    '--token',
    token,
    '--lab-cert',
    certFile,
    '--machine',
    machine,
    ...more,
  ]
}
