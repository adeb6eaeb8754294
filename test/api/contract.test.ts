import { afterAll, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/core/app'
import { createHandlers } from '../../src/core/api/handlers'
import { eventNames, ipcChannel, requestNames, subscribeName } from '../../src/shared/contract'
import { tempDir } from '../support/helpers'

const app = createApp({ dataDir: tempDir(), transport: 'web' })
afterAll(() => app.close())

// Electron cannot launch here: a stand-in records what the preload and main register with it.
const exposed: Record<string, Record<string, unknown>> = {}
const handled = new Map<string, (event: unknown, payload: unknown) => unknown>()
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => (exposed[key] = api) },
  ipcRenderer: { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn() },
  ipcMain: { handle: (channel: string, fn: (e: unknown, p: unknown) => unknown) => handled.set(channel, fn) },
}))

describe('the API contract', () => {
  it('has a core handler for every request and nothing more', () => {
    expect(Object.keys(createHandlers(app)).sort()).toEqual([...requestNames].sort())
  })

  it('is exposed by the preload as one method per request and one subscribe per event, nothing generic', async () => {
    await import('../../src/preload/index')
    const api = exposed.mutescope
    const expected = [...requestNames, ...eventNames.map((e) => subscribeName(e))].sort()
    expect(Object.keys(api).sort()).toEqual(expected)
    expect(api).not.toHaveProperty('invoke')
    expect(api).not.toHaveProperty('send')
  })

  it('is registered by the main process as one IPC handler per request, refusing untrusted senders', async () => {
    const { registerIpc } = await import('../../src/main/ipc')
    const { APP_ORIGIN } = await import('../../src/main/renderer-source')
    registerIpc(app, APP_ORIGIN)
    expect([...handled.keys()].sort()).toEqual(requestNames.map(ipcChannel).sort())
    const mainFrame = { url: 'app://mutescope/index.html' }
    const trusted = { sender: { mainFrame }, senderFrame: mainFrame }
    const evil = { url: 'https://evil.example/' }
    const iframe = { sender: { mainFrame }, senderFrame: { url: 'app://mutescope/x.html' } }
    const foreign = { sender: { mainFrame: evil }, senderFrame: evil }
    const call = handled.get(ipcChannel('listSessions'))!
    expect(await call(trusted, {})).toMatchObject({ ok: true })
    expect(await call(iframe, {})).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(await call(foreign, {})).toMatchObject({ ok: false, error: { code: 'forbidden' } })
  })

  it.each(requestNames)('%s refuses an invalid payload with a message naming the method', async (name) => {
    const reply = await app.dispatch(name, 'not an object')
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_payload' } })
    if (!reply.ok) expect(reply.error.message).toContain(`invalid payload for ${name}`)
  })

  it('refuses unknown methods and unknown fields', async () => {
    expect(await app.dispatch('constructor', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_method' },
    })
    expect(await app.dispatch('listSessions', { search: '', extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    })
  })

  it('reports a missing session as a user error, not an internal one', async () => {
    const reply = await app.dispatch('getSession', { id: 999 })
    expect(reply).toMatchObject({ ok: false, error: { code: 'not_found' } })
  })
})
