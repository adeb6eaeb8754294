import RE2 from 're2'

/** A profile's request-path pattern: only `test` is ever needed. */
export interface PathPattern {
  test(path: string): boolean
}

/** Longest pattern a profile may give; with the target bounded by the header limit, one match is bounded. */
const maxPatternLength = 1000

/**
 * Compiles a profile's path pattern with RE2, whose matching time grows linearly with the target, so a
 * hostile pattern such as `^/(a+)+$` cannot stall decoding (JavaScript's backtracking engine takes
 * exponential time on it). RE2 refuses what needs backtracking (backreferences, lookaround): the error
 * says so. Returns the error message, or the pattern.
 */
export function compilePathPattern(source: string): PathPattern | string {
  if (source.length > maxPatternLength) return `longer than ${maxPatternLength} characters`
  try {
    return new RE2(source)
  } catch (err) {
    return `not a regular expression RE2 accepts (no backreferences or lookaround): ${(err as Error).message}`
  }
}
