import { describe, expect, it } from 'vitest'
import { explainFridaError } from '../../src/core/capture/frida-errors'

describe("Frida's failures as messages that say what to do", () => {
  it('a closed transport is the target going away locally, and an unreachable frida-server remotely', () => {
    const err = { type: 'TransportError', message: 'the connection is closed' }
    const local = explainFridaError(err, { pid: 42 }, null)
    expect(local.message).toMatch(/lost its connection to pid 42 .*exited or crashed/)
    expect(local.message).not.toMatch(/frida-server/)
    const remote = explainFridaError(err, { pid: 42 }, '10.0.0.2:27042')
    expect(remote.message).toMatch(/cannot reach frida-server at 10\.0\.0\.2:27042/)
    expect(remote.code).toBe('unreachable')
  })

  it('names the process that is missing, and the permission to grant', () => {
    expect(
      explainFridaError({ type: 'ProcessNotFoundError', message: 'x' }, { name: 'zoom' }, null).message,
    ).toMatch(/no process matches a process named "zoom"/)
    expect(explainFridaError({ message: 'permission denied' }, { pid: 7 }, null).message).toMatch(
      /ptrace_scope/,
    )
  })
})
