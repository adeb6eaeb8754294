import { UserError } from '../errors'

/** What `capture --redact` masks when given no list: the credentials apps send in headers and URLs. */
export const defaultRedactions = ['Authorization', 'Cookie', 'token=']

export type Redactor = (data: Uint8Array) => Uint8Array

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/
const paramName = /^[^\s=&;"',]{1,100}=$/

/** Parses a comma-separated `--redact` list: header names and `name=` parameters. */
export function parseRedactions(list: string): string[] {
  const patterns = list
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
  const bad = patterns.filter((p) => !headerName.test(p) && !paramName.test(p))
  if (patterns.length === 0 || bad.length > 0)
    throw new UserError(
      `--redact takes header names and "name=" parameters separated by commas (e.g. ${defaultRedactions.join(',')}); not "${bad.join(', ') || list}"`,
    )
  return patterns
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Masks secrets in captured plaintext before it is stored or printed. A header name masks the value of
 * every HTTP/1 header line whose name ends with it (`Cookie` also masks `Set-Cookie:`) and of every JSON
 * member of that name; a `name=` pattern masks the value of every parameter whose name ends with it
 * (`token=` also masks `access_token=`) up to the next delimiter. Each masked byte becomes "*", so lengths
 * (Content-Length, chunk sizes, offsets) still hold. HTTP/2 headers are HPACK-compressed and not seen here.
 */
export function redactor(patterns: readonly string[]): Redactor {
  const rules: RegExp[] = patterns.flatMap((p) =>
    p.endsWith('=')
      ? [new RegExp(`(${escape(p)})([^&\\s"';,]*)`, 'gi')]
      : [
          new RegExp(`((?:^|\\n)[!#$%&'*+.^_\`|~0-9A-Za-z-]*${escape(p)}[ \\t]*:[ \\t]*)([^\\r\\n]*)`, 'gi'),
          new RegExp(`("[^"\\\\\\n]*${escape(p)}"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)`, 'gi'),
        ],
  )
  return (data) => {
    // latin1 maps bytes to characters one to one, so the masked text converts back to the same length.
    const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1')
    let masked = text
    for (const rule of rules)
      masked = masked.replace(rule, (_, lead: string, value: string) => lead + '*'.repeat(value.length))
    return masked === text ? data : new Uint8Array(Buffer.from(masked, 'latin1'))
  }
}

/** A string masked by the same rules as captured bytes. */
export function redactText(redact: Redactor, text: string): string {
  return Buffer.from(redact(new Uint8Array(Buffer.from(text)))).toString()
}
