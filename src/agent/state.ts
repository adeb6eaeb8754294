import { defaultCap, hookGroups, type AgentConfig } from './protocol'

/** The configuration the host set over rpc; hooks read it on every call. */
export const config: AgentConfig = {
  hooks: [...hookGroups],
  cap: defaultCap,
  filter: { peer: null, contains: null },
  patterns: [],
  located: [],
}
