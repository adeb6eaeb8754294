import { describe, expect, it } from 'vitest'
import type { ProcessInfo } from '../../src/core/capture/backend'
import { groupApplications, selectProcesses } from '../../src/core/capture/process-tree'

const p = (pid: number, ppid: number | null, path: string): ProcessInfo => ({
  pid,
  ppid,
  path,
  name: path.split('/').pop()!,
  argv: null,
})

// A machine as ps shows it: init, a terminal's shell running a browser (browser, zygote, renderers,
// network service, crash handler) and curl, and a second browser started elsewhere.
const list: ProcessInfo[] = [
  p(1, null, '/sbin/init'),
  p(10, 1, '/usr/bin/bash'),
  p(20, 10, '/usr/lib/chromium/chromium'),
  p(21, 20, '/usr/lib/chromium/chromium'),
  p(22, 21, '/usr/lib/chromium/chromium'),
  p(23, 21, '/usr/lib/chromium/chromium'),
  p(24, 20, '/usr/lib/chromium/chrome_crashpad_handler'),
  p(30, 10, '/usr/bin/curl'),
  p(31, 10, '/usr/bin/bash'),
  p(40, 1, '/usr/lib/chromium/chromium'),
]

describe('process trees', () => {
  it('--name takes every process of that name, --tree adds what they started', () => {
    const none = new Set<number>()
    expect(selectProcesses(list, { name: 'chromium' }, false, none).map((x) => x.pid)).toEqual([
      20, 21, 22, 23, 40,
    ])
    expect(
      selectProcesses(list, { name: 'chromium' }, true, none)
        .map((x) => x.pid)
        .sort(),
    ).toEqual([20, 21, 22, 23, 24, 40])
    expect(selectProcesses(list, { pids: [10] }, true, new Set([31])).map((x) => x.pid)).toEqual([
      10, 20, 30, 21, 24, 22, 23,
    ])
    expect(() => selectProcesses(list, { name: 'zoom' }, true, none)).toThrow(/no process matches.*"zoom"/)
  })

  it('groups processes into applications: a browser with its helpers, not its shell', () => {
    const apps = groupApplications(list).map((a) => [a.root.pid, a.processes.map((x) => x.pid)])
    expect(apps).toEqual([
      [1, [1]],
      [10, [10, 31]],
      [20, [20, 21, 24, 22, 23]],
      [30, [30]],
      [40, [40]],
    ])
  })
})
