import { version } from '../../../package.json'
import type { systemRequests } from '../../shared/contract/system'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

export function systemHandlers(ctx: AppContext): HandlerGroup<typeof systemRequests> {
  return {
    appInfo: () => ({
      version,
      dataDir: ctx.dataDir,
      platform: `${process.platform} ${process.arch}`,
      node: process.versions.node,
      transport: ctx.transport,
    }),
  }
}
