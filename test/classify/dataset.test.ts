import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  loadDataset,
  loadPaperDataset,
  makeWindows,
  sessionRecording,
  summarize,
  type Recording,
} from '../../src/core/classify/dataset'
import { parseGainsFile } from '../../src/core/classify/gains-file'
import { labelOf, parseLabelMapping, sessionLabel } from '../../src/core/classify/labels'
import { makeRng } from '../../src/core/classify/random'
import { leakFreeSplit, randomSplit } from '../../src/core/classify/split'
import { UserError } from '../../src/core/errors'
import { SessionStore } from '../../src/core/store/session-store'
import { referenceData, tempDir } from '../support/helpers'

const paperDir = join(referenceData, 'paper-gains')

describe("the authors' data", () => {
  const data = loadPaperDataset(paperDir)

  it("has the README's minutes per class and set (paper Table 3) under the authors' labels", () => {
    const rows = summarize(data, 7)
    expect(rows.map((r) => r.minutes)).toEqual([
      [223, 644, 838, 529, 471, 698],
      [397, 504, 1209, 744, 1342, 686],
      [190, 175, 574, 697, 586, 578],
    ])
    // Clips: minutes - (n-1) per class per file (17 class-file pairs in dev: no classical music at 25 cm).
    expect(rows.map((r) => r.clips.reduce((a, b) => a + b))).toEqual([
      3403 - 17 * 6,
      4882 - 18 * 6,
      2800 - 6 * 6,
    ])
  })

  it('labels file names as the authors parser did', () => {
    expect(labelOf('key_board3.mp4.wav')).toBeNull()
    expect(labelOf('punk_music2.mp4.wav')).toBeNull()
    expect(labelOf('vaccume.mp4.wav')).toBe(5)
    expect(labelOf('eating.mp4.wav')).toBe(1)
    expect(data.dev.some((r) => r.video.startsWith('punk'))).toBe(false)
  })

  it('builds stride-1 windows of [max, mean, min] per minute within one file and class', () => {
    const w = makeWindows(data.dev, 3)
    const first = data.dev[0]
    expect(first.video).toBe('classical_music.mp4.wav')
    expect(Array.from(w.x.subarray(0, 9))).toEqual([38, 30, 13, 37, 24, 12, 37, 24, 11])
    // The next window starts one minute later.
    expect(Array.from(w.x.subarray(9, 15))).toEqual(Array.from(w.x.subarray(3, 9)))
    expect(w.y[0]).toBe(0)
  })

  it('splits 80/20 stratified by class, reproducibly', () => {
    const w = makeWindows(data.dev, 7)
    const a = randomSplit(w, makeRng(3))
    const b = randomSplit(w, makeRng(3))
    expect(Array.from(a.val)).toEqual(Array.from(b.val))
    expect(a.train.length + a.val.length).toBe(w.count)
    for (let c = 0; c < 6; c++) {
      const all = w.y.filter((y) => y === c).length
      const val = Array.from(a.val).filter((i) => w.y[i] === c).length
      expect(Math.abs(val - 0.2 * all)).toBeLessThanOrEqual(0.5)
    }
    expect(new Set([...a.train, ...a.val]).size).toBe(w.count)
  })

  it('leak-free split: no minute of a recording is seen by both training and validation', () => {
    const w = makeWindows(data.dev, 7)
    const s = leakFreeSplit(w, data.dev, 1)
    const minutes = (idx: Int32Array) => {
      const set = new Set<string>()
      for (const i of idx)
        for (let t = 0; t < 7; t++)
          set.add(`${w.recMinute[2 * (i * 7 + t)]}:${w.recMinute[2 * (i * 7 + t) + 1]}`)
      return set
    }
    const train = minutes(s.train)
    const shared = [...minutes(s.val)].filter((m) => train.has(m))
    expect(shared).toEqual([])
    expect(s.dropped).toBeGreaterThan(0)
    expect(s.val.length / (s.train.length + s.val.length)).toBeGreaterThan(0.1)
    // The random split, by contrast, shares most validation minutes with training.
    const r = randomSplit(w, makeRng(1))
    const rTrain = minutes(r.train)
    expect([...minutes(r.val)].filter((m) => rTrain.has(m)).length).toBeGreaterThan(0)
  })
})

describe('malformed input', () => {
  const bad: [string, string, RegExp][] = [
    ['mismatched lengths', 'a.wav\nMaxs:[1, 2]\nMeans:[1]\nMins:[1, 2]\n', /x:1: .*2, 1 and 2 values/],
    [
      'not a number',
      'a.wav\nMaxs:[1, x]\nMeans:[1, 2]\nMins:[1, 2]\n',
      /x:2: "x" in Maxs is not a whole number/,
    ],
    ['wrong list order', 'a.wav\nMeans:[1]\nMaxs:[1]\nMins:[1]\n', /x:2: expected "Maxs:\[...\]"/],
    ['truncated block', 'a.wav\nMaxs:[1]\nMeans:[1]', /x:4: the file ends inside a block/],
    ['list without header', 'Maxs:[1]\nMeans:[1]\nMins:[1]\n', /x:1: a gains list without a line naming/],
    ['nothing in it', '\n\n', /x: no gains blocks found/],
  ]
  for (const [what, text, message] of bad) {
    it(`rejects ${what} with the file and line`, () => {
      expect(() => parseGainsFile(text, 'x')).toThrow(UserError)
      expect(() => parseGainsFile(text, 'x')).toThrow(message)
    })
  }

  it('skips blocks with empty lists and keeps the distance note', () => {
    const blocks = parseGainsFile(
      './v/a.mp4.wav 10 cm\nMaxs:[]\nMeans:[]\nMins:[]\n\nb.wav\nMaxs:[3]\nMeans:[2]\nMins:[1]\n',
      'x',
    )
    expect(blocks).toEqual([{ video: 'b.wav', note: '', line: 6, max: [3], mean: [2], min: [1] }])
    expect(parseGainsFile('./v/a.mp4.wav 10 cm\nMaxs:[1]\nMeans:[1]\nMins:[1]\n', 'x')[0].note).toBe('10 cm')
  })

  it('names the missing data folder and file', () => {
    expect(() => loadDataset({ data: join(tempDir(), 'nope') })).toThrow(
      /no data folder .*choose the data folder/,
    )
    expect(() => loadPaperDataset(tempDir())).toThrow(/new_data_10cm.txt is missing; choose the data folder/)
  })

  it('rejects a malformed label mapping and accepts a custom one', () => {
    expect(() => parseLabelMapping('{')).toThrow(/not valid JSON/)
    expect(() => parseLabelMapping('[{"index": 9, "contains": ["x"]}]')).toThrow(/index/)
    const mapping = parseLabelMapping('[{"index": 4, "contains": ["key_board", "keyboard"]}]')
    expect(labelOf('key_board3.mp4.wav', mapping)).toBe(4)
    expect(labelOf('dog_barking.mp4.wav', mapping)).toBeNull()
  })
})

describe('sessions as data', () => {
  function storeWith(activity: string, minutes: number) {
    const store = SessionStore.open({ dir: tempDir() })
    const id = store.createSession({
      name: 'kitchen',
      activity,
      distanceCm: 25,
      episodes: ['cooking3.mp4.wav'],
    }).id
    store.appendTelemetry(id, [
      ...Array.from({ length: minutes }, (_, i) => ({
        t: 60_000 * (i + 1),
        host: 'h',
        path: '/metric/v1',
        conn: 'c',
        fields: { audioMaxGain: 40 + i, audioMeanGain: 30, audioMinGain: 20 },
      })),
      // A record without gains is not a minute.
      { t: 1, host: 'h', path: '/other', conn: 'c', fields: { foo: 1 } },
    ])
    return { store, id }
  }

  it('turns a labelled session into a recording with its label, distance and episode', () => {
    const { store, id } = storeWith('cooking or eating', 4)
    const r: Recording = sessionRecording(store, id)
    expect(r).toMatchObject({ label: 1, distanceCm: 25, video: 'cooking3.mp4.wav', group: `session ${id}` })
    expect(r.minutes).toEqual([
      [40, 30, 20],
      [41, 30, 20],
      [42, 30, 20],
      [43, 30, 20],
    ])
    store.close()
  })

  it('adds labelled sessions to the set asked for', () => {
    const { store, id } = storeWith('keyboard typing', 12)
    const { dataset, data } = loadDataset({ data: paperDir, sessions: [id], sessionsSet: 'eval2' }, store)
    expect(data).toBe(`${paperDir} + sessions ${id} (eval2)`)
    expect(dataset.eval2.at(-1)).toMatchObject({ group: `session ${id}`, label: 4 })
    expect(summarize(dataset, 7)[2].clips[4]).toBe(580 + 12 - 6)
    store.close()
  })

  it('rejects an unknown activity label, naming the accepted ones', () => {
    const { store, id } = storeWith('juggling', 4)
    expect(() => sessionRecording(store, id)).toThrow(
      /unknown activity label "juggling"; use one of: classical music/,
    )
    expect(sessionLabel('Dog Barking')).toBe(3)
    expect(sessionLabel('dog_barking2.mp4.wav')).toBe(3)
    store.close()
  })
})
