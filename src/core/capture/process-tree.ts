import { UserError } from '../errors'
import type { ProcessInfo } from './backend'

/** The processes a capture starts with: the named or given ones and, with `tree`, all their descendants. */
export function selectProcesses(
  list: readonly ProcessInfo[],
  target: { pids: number[] } | { name: string } | { every: true },
  tree: boolean,
  exclude: ReadonlySet<number>,
): ProcessInfo[] {
  const byPid = new Map(list.map((p) => [p.pid, p]))
  const roots =
    'pids' in target
      ? target.pids.map((pid) => byPid.get(pid) ?? { pid, name: '', ppid: null, path: null, argv: null })
      : list.filter((p) => ('every' in target || p.name === target.name) && !exclude.has(p.pid))
  if (roots.length === 0 && 'name' in target)
    throw new UserError(
      `no process matches a process named "${target.name}": check that it is running ("mutescope processes" lists them)`,
      'not_found',
    )
  const chosen = new Map(roots.map((p) => [p.pid, p]))
  if (tree)
    for (const p of descendants(list, new Set(chosen.keys()))) if (!exclude.has(p.pid)) chosen.set(p.pid, p)
  return [...chosen.values()]
}

/** Every process below the given ones, parents before children. */
export function descendants(list: readonly ProcessInfo[], of: ReadonlySet<number>): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>()
  for (const p of list) if (p.ppid !== null) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p])
  const out: ProcessInfo[] = []
  const queue = [...of]
  const seen = new Set(of)
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      if (seen.has(c.pid)) continue
      seen.add(c.pid)
      out.push(c)
      queue.push(c.pid)
    }
  }
  return out
}

export interface Application {
  /** The process at the top of the application's tree. */
  root: ProcessInfo
  /** The root and every process below it, parents first. */
  processes: ProcessInfo[]
}

/**
 * Groups processes into applications: a process whose parent runs another executable (a shell, a launcher,
 * init) starts an application, and everything below it belongs to it, so a browser's zygote, renderers,
 * network service and crash handler come as one.
 */
export function groupApplications(list: readonly ProcessInfo[]): Application[] {
  const byPid = new Map(list.map((p) => [p.pid, p]))
  const children = new Map<number, ProcessInfo[]>()
  for (const p of list) if (p.ppid !== null) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p])
  const exe = (p: ProcessInfo) => p.path ?? p.name
  // Folders like /usr/bin hold unrelated programs: sharing one says nothing about belonging together.
  const folder = (p: ProcessInfo) => {
    const dir = exe(p).replace(/[/\\][^/\\]*$/, '')
    return /^(\/usr(\/local)?)?\/s?bin$|^$/.test(dir) ? `${dir}:${exe(p)}` : dir
  }
  const startsApp = (p: ProcessInfo) => {
    const parent = p.ppid === null ? undefined : byPid.get(p.ppid)
    return !parent || exe(parent) !== exe(p)
  }
  const apps: Application[] = []
  for (const root of list.filter(startsApp).sort((a, b) => a.pid - b.pid)) {
    // A child with another executable is an application of its own (a shell's children), unless it lives
    // in the app's own folder (a browser's crash handler): then it and its subtree belong to the app.
    const processes = [root]
    const joins = (c: ProcessInfo) => !startsApp(c) || (c.path !== null && folder(c) === folder(root))
    for (let i = 0; i < processes.length; i++)
      for (const c of children.get(processes[i].pid) ?? []) if (joins(c)) processes.push(c)
    if (root.ppid !== null && byPid.has(root.ppid) && folder(root) === folder(byPid.get(root.ppid)!)) continue
    apps.push({ root, processes })
  }
  return apps
}
