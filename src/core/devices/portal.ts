import { randomBytes } from 'node:crypto'
import type { PythonBackend } from '../capture/python-backend'

/** Frida's own default ports: lab machines join at the cluster port, controllers use the control port. */
export const defaultCluster = '127.0.0.1:27052'
export const defaultControl = '127.0.0.1:27042'

export interface PortalConfig {
  /** ADDR:PORT lab machines join at. */
  cluster: string
  /** ADDR:PORT the workbench controls the joined processes at. */
  control: string
  /** Required of both lab machines and controllers. */
  token: string
  /** Certificate and key (PEM) both endpoints serve TLS with; null for plain TCP. */
  pem: string | null
}

/** A token hard to guess: 192 random bits. */
export function newPortalToken(): string {
  return randomBytes(24).toString('base64url')
}

/** "[::1]:27042" → {address: "::1", port: 27042}. */
export function splitAddress(hostPort: string): { address: string; port: number } {
  const at = hostPort.lastIndexOf(':')
  return { address: hostPort.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(hostPort.slice(at + 1)) }
}

/** Where this computer reaches an endpoint: one bound to every address is reached on loopback. */
export function localAddress(hostPort: string): string {
  const { address, port } = splitAddress(hostPort)
  if (address === '0.0.0.0') return `127.0.0.1:${port}`
  if (address === '::') return `[::1]:${port}`
  return hostPort
}

/**
 * Runs Frida's PortalService in the bridge: the workbench's side of a lab. Lab machines' processes join at
 * the cluster endpoint (an outbound connection from the lab, friendly to NAT and firewalls); the workbench
 * then sees them as the processes of a remote device at the control endpoint.
 */
export async function startPortal(backend: PythonBackend, config: PortalConfig): Promise<void> {
  await backend.startPortal({
    cluster: splitAddress(config.cluster),
    control: splitAddress(config.control),
    token: config.token,
    certificate: config.pem,
  })
}
