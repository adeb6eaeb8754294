import { z } from 'zod'
import { request } from './define'

export const systemRequests = {
  appInfo: request(
    'Version, data folder and platform of the running MuteScope',
    z.object({}).strict(),
    z.object({
      version: z.string(),
      dataDir: z.string(),
      platform: z.string(),
      node: z.string(),
      /** Who serves the API: the desktop app, web mode, or one CLI command. */
      transport: z.enum(['electron', 'web', 'cli']),
    }),
  ),
}
