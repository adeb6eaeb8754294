import { z } from 'zod'
import { request } from './define'

export const backendChoice = z.enum(['auto', 'node', 'python'])

/** A remote frida-server's HOST:PORT (IPv6 in brackets); null for this computer. */
export const fridaHost = z
  .string()
  .regex(/^[\w.-]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/, 'host must be HOST:PORT of a frida-server')
  .nullable()
  .default(null)

export const processInfo = z.object({ pid: z.number().int(), name: z.string() })
export type ProcessInfoView = z.infer<typeof processInfo>

export const backendStatus = z.object({
  available: z.boolean(),
  kind: z.enum(['node', 'python']).nullable(),
  /** Frida's version, e.g. "17.2.1". */
  version: z.string().nullable(),
  /** When unavailable: what is missing and how to fix it. */
  message: z.string().nullable(),
})
export type BackendStatus = z.infer<typeof backendStatus>

export const captureRequests = {
  listProcesses: request(
    'Processes of this computer or of a remote frida-server, for the target picker',
    z.object({ host: fridaHost, backend: backendChoice.default('auto') }).strict(),
    z.array(processInfo),
  ),
  captureBackendStatus: request(
    'Which Frida binding the capture would use and its version, or the fix when there is none',
    z.object({ backend: backendChoice.default('auto') }).strict(),
    backendStatus,
  ),
}
