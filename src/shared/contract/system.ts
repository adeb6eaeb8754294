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
      transport: z.enum(['electron', 'web']),
    }),
  ),
}
