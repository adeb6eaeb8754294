import { describe, expect, it } from 'vitest'
import { within } from '../../src/core/capture/within'
import { UserError } from '../../src/core/errors'

describe('a Frida call that never answers does not freeze the capture', () => {
  it('fails naming what did not finish, and hands what arrives later to be undone', async () => {
    let finish: (v: string) => void = () => undefined
    const never = new Promise<string>((r) => (finish = r))
    const late: string[] = []
    const bounded = within(never, 20, 'attaching to app (pid 7)', (v) => late.push(v))
    await expect(bounded).rejects.toThrow(UserError)
    await expect(bounded).rejects.toThrow(/attaching to app \(pid 7\) did not finish within 0.02 s/)
    finish('session')
    await new Promise((r) => setImmediate(r))
    expect(late).toEqual(['session'])
  })

  it('passes on what arrives in time, and its failures as they are', async () => {
    expect(await within(Promise.resolve(3), 1000, 'x')).toBe(3)
    await expect(within(Promise.reject(new Error('gone')), 1000, 'x')).rejects.toThrow('gone')
  })
})
