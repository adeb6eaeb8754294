import { flushSeconds } from './audio/report'
import { expireClaims } from './claims'
import { flushCaptures } from './emit'
import { installHooks, inventory } from './install'
import { flushStale } from './links'
import { hookGroups, type AgentConfig, type AgentRpc } from './protocol'
import { config } from './state'
import { reportUnseen } from './unseen'

/**
 * MuteScope's Frida agent: logs the plaintext that apps hand to TLS and OS encryption APIs, tied to the
 * connection that carries it; with micAccess, also what they read from the microphone (per second, never
 * the audio itself). Nothing is hooked until the host calls configure().
 */
function flushAll(): void {
  expireClaims(Infinity)
  flushStale(Infinity)
  flushCaptures()
  flushSeconds(true)
}

const rpcExports: AgentRpc = {
  configure(next: AgentConfig) {
    const unknown = next.hooks.filter((h) => !(hookGroups as readonly string[]).includes(h))
    if (unknown.length > 0) throw new Error(`unknown hook groups: ${unknown.join(', ')}`)
    config.hooks = [...next.hooks]
    config.cap = next.cap
    config.filter = { ...next.filter }
    config.patterns = next.patterns
    config.located = next.located
    config.micAccess = next.micAccess ?? false
    return installHooks()
  },
  inventory,
  now: () => Date.now(),
  runtime: () => ({ frida: Frida.version, platform: Process.platform, arch: Process.arch }),
  flush: flushAll,
  // Frida calls dispose() before unloading the agent: captures still waiting for their socket go out now.
  dispose: flushAll,
}
rpc.exports = rpcExports as unknown as RpcExports

setInterval(() => {
  expireClaims()
  flushStale()
}, 100)
setInterval(reportUnseen, 1000)
