import { expect, it } from 'vitest'
import { leaveAlone } from '../../src/core/capture/leave-alone'

const firefox = (type: string) => [
  '/usr/lib/firefox-esr/firefox-esr',
  '-contentproc',
  '-parentBuildID',
  '20250101000000',
  '-appDir',
  '/usr/lib/firefox-esr/browser',
  '1',
  type,
]

it("leaves alone the processes that only fork (Chromium's zygote, Firefox's fork server) and Firefox's sandboxed children", () => {
  // Chromium's command line is one rewritten string.
  const zygote = ['/usr/lib/chromium/chromium --type=zygote --no-zygote-sandbox --enable-crashpad']
  expect(leaveAlone({ pid: 1, argv: zygote }, null)?.what).toBe("is Chromium's zygote")
  expect(leaveAlone({ pid: 1, argv: firefox('forkserver') }, null)?.what).toBe("is Firefox's fork server")
  for (const type of ['tab', 'rdd', 'socket', 'utility'])
    expect(leaveAlone({ pid: 1, argv: firefox(type) }, null)?.what).toBe('runs in a seccomp sandbox')
  // The network service, the browsers' parents, and an app's own processes are attached.
  const network = [
    '/usr/lib/chromium/chromium --type=utility --utility-sub-type=network.mojom.NetworkService',
  ]
  for (const argv of [network, ['/usr/lib/firefox-esr/firefox-esr', '--headless'], ['node', 'app.js'], null])
    expect(leaveAlone({ pid: process.pid, argv }, null)).toBeNull()
})
