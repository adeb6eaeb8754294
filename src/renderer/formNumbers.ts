/**
 * A number typed into an optional form field: undefined when the field is empty, else the number, with
 * `problem` (plain words naming what to type) recorded under `key` when it is not a number `ok` accepts.
 */
export function optionalNumber<K extends string>(
  text: string,
  ok: (n: number) => boolean,
  problem: string,
  errors: Partial<Record<K, string>>,
  key: K,
): number | undefined {
  if (text.trim() === '') return undefined
  const n = Number(text)
  if (!Number.isFinite(n) || !ok(n)) errors[key] = problem
  return n
}

/** The speaker–mic distance typed in centimetres (0 or more), read as optionalNumber does. */
export function optionalDistanceCm<K extends string>(
  text: string,
  errors: Partial<Record<K, string>>,
  key: K,
): number | undefined {
  return optionalNumber(
    text,
    (n) => n >= 0,
    'Enter the distance in centimetres, e.g. 25, or leave it empty.',
    errors,
    key,
  )
}
