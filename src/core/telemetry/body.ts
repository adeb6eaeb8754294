import type { DecodeLimits } from './limits'
import { type Json, parseJson } from './nested'
import { Malformed } from './problem'

/**
 * The documents a request body holds: one for JSON and form bodies, one per line for NDJSON. The
 * Content-Type decides; without one (headerless bodies) the text itself does. Bodies of other types
 * (protobuf, images ...) hold no documents.
 */
export function bodyDocuments(body: Buffer, contentType: string | undefined, limits: DecodeLimits): Json[] {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase()
  if (body.length === 0) return []
  if (type.endsWith('ndjson') || type.endsWith('jsonl') || type.endsWith('json-seq'))
    return ndjson(body, limits)
  if (type === 'application/json' || type.endsWith('+json') || type === 'text/json')
    return [json(body, limits)]
  if (type === 'application/x-www-form-urlencoded') return [form(body.toString('utf8'))]
  if (type === '' || type.startsWith('text/')) return sniff(body, limits)
  return []
}

function json(body: Buffer, limits: DecodeLimits): Json {
  return parseJson(body.toString('utf8').replace(/^\uFEFF/, ''), limits)
}

function ndjson(body: Buffer, limits: DecodeLimits): Json[] {
  return (
    body
      .toString('utf8')
      .split('\n')
      // json-seq (RFC 7464) starts each record with an RS character.
      .map((line) => line.replaceAll('\u001e', '').trim())
      .filter((line) => line !== '')
      .map((line) => parseJson(line, limits))
  )
}

function form(text: string): Json {
  const out: { [key: string]: Json } = {}
  for (const [k, v] of new URLSearchParams(text)) {
    const prev = out[k]
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  return out
}

const formText = /^[\w.%+*~-]+=[^\s&]*(?:&[\w.%+*~-]+=[^\s&]*)*$/

function sniff(body: Buffer, limits: DecodeLimits): Json[] {
  const text = body.toString('utf8').trim()
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      return [parseJson(text, limits)]
    } catch (err) {
      if (err instanceof Malformed && err.stage === 'limit') throw err
      if (text.includes('\n')) return ndjson(body, limits)
      throw err
    }
  }
  return formText.test(text) ? [form(text)] : []
}
