import { flushCaptures } from './emit'
import { installHooks, inventory } from './install'
import { flushStale } from './links'
import { hookGroups, type AgentConfig, type AgentRpc } from './protocol'
import { config } from './state'
import { reportUnseen } from './unseen'

/**
 * MuteScope's Frida agent: logs the plaintext that apps hand to TLS and OS encryption APIs, tied to the
 * connection that carries it. Nothing is hooked until the host calls configure().
 */
const rpcExports: AgentRpc = {
  configure(next: AgentConfig) {
    const unknown = next.hooks.filter((h) => !(hookGroups as readonly string[]).includes(h))
    if (unknown.length > 0) throw new Error(`unknown hook groups: ${unknown.join(', ')}`)
    config.hooks = [...next.hooks]
    config.cap = next.cap
    config.filter = { ...next.filter }
    config.patterns = next.patterns
    config.located = next.located
    return installHooks()
  },
  inventory,
  now: () => Date.now(),
  // Frida calls dispose() before unloading the agent: captures still waiting for their socket go out now.
  dispose: () => {
    flushStale(Infinity)
    flushCaptures()
  },
}
rpc.exports = rpcExports as unknown as RpcExports

setInterval(flushStale, 100)
setInterval(reportUnseen, 1000)
