import { z } from 'zod'
import { request } from './define'

/** The Frida binding: the npm one in-process, or pip's through a bridge; auto takes whichever is installed. */
export const backendKind = z.enum(['node', 'python'])
export const backendChoice = z.enum(['auto', ...backendKind.options])
export type BackendChoice = z.infer<typeof backendChoice>

/** A remote frida-server's HOST:PORT (IPv6 in brackets); null for this computer. */
export const fridaHost = z
  .string()
  .regex(/^[\w.-]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/, 'host must be HOST:PORT of a frida-server')
  .nullable()
  .default(null)

export const processInfo = z.object({
  pid: z.number().int(),
  name: z.string(),
  /** The parent's pid where the device says (Frida's full process scope); null when unknown. */
  ppid: z.number().int().nullable(),
  /** The executable's path where the device says. */
  path: z.string().nullable(),
  /** The command line where the device says. */
  argv: z.array(z.string()).nullable(),
})
export type ProcessInfoView = z.infer<typeof processInfo>

/** An application: a process tree started from one program, as the target picker offers it. */
export const applicationInfo = z.object({
  name: z.string(),
  rootPid: z.number().int(),
  processes: z.array(
    processInfo.extend({
      /** TLS libraries mapped into the process (local Linux); null where unknown until attach. */
      tls: z.array(z.string()).nullable(),
    }),
  ),
})
export type ApplicationInfo = z.infer<typeof applicationInfo>

export const backendStatus = z.object({
  available: z.boolean(),
  kind: backendKind.nullable(),
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
  listApplications: request(
    'Processes grouped into applications (each process tree started from one program), for the target picker',
    z.object({ host: fridaHost, backend: backendChoice.default('auto') }).strict(),
    z.array(applicationInfo),
  ),
  captureBackendStatus: request(
    'Which Frida binding the capture would use and its version, or the fix when there is none',
    z.object({ backend: backendChoice.default('auto') }).strict(),
    backendStatus,
  ),
}
