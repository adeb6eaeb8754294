import { timingSafeEqual } from 'node:crypto'

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

/** Web mode only listens on loopback: captured data never leaves the machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Rejects DNS-rebinding: the Host header must name a loopback address on our port. */
export function hostHeaderAllowed(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader)
  if (!m) return false
  return isLoopbackHost(m[1]) && Number(m[2] ?? 80) === port
}

/** A browser sends Origin on WebSocket upgrades: it must be the page we served, not another site. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true // non-browser clients (CLI, tests) send none; the token still applies
  try {
    const u = new URL(origin)
    return u.protocol === 'http:' && isLoopbackHost(u.hostname) && Number(u.port || 80) === port
  } catch {
    return false
  }
}

/** The same strict policy the Electron window uses, plus the WebSocket endpoint. */
export function contentSecurityPolicy(connect: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}
