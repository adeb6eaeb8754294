import type { SplitKind } from '../../shared/contract/classify'
import type { Recording, Windows } from './dataset'
import { makeRng, shuffle, type Rng } from './random'

export type { SplitKind }

export interface Split {
  train: Int32Array
  val: Int32Array
  /** Windows used by neither side (leak-free split: windows straddling a held-out block). */
  dropped: number
}

/** The paper's split: windows shuffled and split 80/20, stratified by class. */
export function randomSplit(w: Windows, rng: Rng, valFraction = 0.2): Split {
  const byClass = new Map<number, number[]>()
  w.y.forEach((label, i) => byClass.set(label, [...(byClass.get(label) ?? []), i]))
  const train: number[] = []
  const val: number[] = []
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = shuffle(byClass.get(label)!, rng)
    const nVal = Math.round(idx.length * valFraction)
    val.push(...idx.slice(0, nVal))
    train.push(...idx.slice(nVal))
  }
  return { train: shuffle(Int32Array.from(train), rng), val: shuffle(Int32Array.from(val), rng), dropped: 0 }
}

/**
 * A split without leakage between overlapping windows: each recording holds out one contiguous block of
 * `valFraction` of its minutes. A window is validation when all its minutes are held out, training when none
 * are, and dropped otherwise, so no minute is seen on both sides. The block sits at the same relative place in
 * every recording of one clip (seeded by the clip's name), so the same audio is held out at every distance.
 */
export function leakFreeSplit(
  w: Windows,
  recordings: readonly Recording[],
  seed: number,
  valFraction = 0.2,
): Split {
  const blocks = recordings.map((r) => {
    const len = Math.round(r.minutes.length * valFraction)
    const start = Math.floor(makeRng(`${seed}:${r.video}`)() * (r.minutes.length - len + 1))
    return [start, start + len] as const
  })
  const train: number[] = []
  const val: number[] = []
  let dropped = 0
  for (let i = 0; i < w.count; i++) {
    let held = 0
    for (let t = 0; t < w.n; t++) {
      const k = 2 * (i * w.n + t)
      const [start, end] = blocks[w.recMinute[k]]
      const minute = w.recMinute[k + 1]
      if (minute >= start && minute < end) held++
    }
    if (held === w.n) val.push(i)
    else if (held === 0) train.push(i)
    else dropped++
  }
  const rng = makeRng(seed)
  return { train: shuffle(Int32Array.from(train), rng), val: shuffle(Int32Array.from(val), rng), dropped }
}
