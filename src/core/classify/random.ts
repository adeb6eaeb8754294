import seedrandom from 'seedrandom'

/** A seeded uniform [0, 1) source: every random choice of a run (split, init, shuffling) comes from one. */
export type Rng = () => number

export function makeRng(seed: number | string): Rng {
  const prng = seedrandom(String(seed))
  return () => prng()
}

/** Fisher-Yates shuffle in place. */
export function shuffle<T extends { [i: number]: number; length: number }>(a: T, rng: Rng): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    const t = a[i]
    a[i] = a[j]
    a[j] = t
  }
  return a
}
