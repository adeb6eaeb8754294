/**
 * The level of the samples an app read, measured in the agent so that no audio leaves the process: a sum of
 * squares and a peak at full scale 1, over at most the capture cap's bytes per call.
 */

export type SampleFormat = 's16' | 's32' | 'f32'

/** How a stream's audio is laid out; format null: one whose level is not read (frames and bytes still count). */
export interface Layout {
  format: SampleFormat | null
  channels: number
  /** Bytes per frame (all channels); 0 when unknown. */
  frameBytes: number
}

export interface Level {
  samples: number
  sumSquares: number
  peak: number
}

const sampleBytes: Record<SampleFormat, number> = { s16: 2, s32: 4, f32: 4 }

export function sampleSize(format: SampleFormat): number {
  return sampleBytes[format]
}

export function emptyLevel(): Level {
  return { samples: 0, sumSquares: 0, peak: 0 }
}

/**
 * Adds `count` samples at `p`, `stride` bytes apart, to `into`, reading no more than `budget.left` bytes (the
 * cap, shared by every buffer of one call).
 */
export function addSamples(
  into: Level,
  p: NativePointer,
  count: number,
  stride: number,
  format: SampleFormat,
  budget: { left: number },
): void {
  const size = sampleBytes[format]
  if (p.isNull() || count <= 0 || stride < size || stride % size !== 0) return
  const n = Math.min(count, Math.floor((budget.left - size) / stride) + 1)
  if (n <= 0) return
  const span = (n - 1) * stride + size
  budget.left -= span
  // Copied first: a bad pointer then fails here, in Frida's guarded read, never in the app.
  const bytes = p.readByteArray(span)
  if (!bytes) return
  const { levelOf, out } = built()
  levelOf(bytes.unwrap(), span / size, stride / size, codes[format], out)
  into.sumSquares += out.readDouble()
  into.peak = Math.max(into.peak, out.add(8).readDouble())
  into.samples += out.add(16).readDouble()
}

/**
 * The sum of squares, peak and count of every step-th sample (full scale 1), in C: an app reading 48 kHz
 * stereo every 10 ms must not spend its time in the agent's JavaScript. Floats that are NaN or infinite are
 * no level and are skipped.
 */
const source = `
static double mag (double v) { return v < 0 ? -v : v; }

void
level_of (const void * data, int count, int step, int format, double * out)
{
  double sum = 0, peak = 0, n = 0, v;
  int i;
  for (i = 0; i < count; i += step)
  {
    if (format == 0)
      v = ((const short *) data)[i] / 32768.0;
    else if (format == 1)
      v = ((const int *) data)[i] / 2147483648.0;
    else
    {
      v = ((const float *) data)[i];
      if (v != v || mag (v) > 3.5e38)
        continue;
    }
    sum += v * v;
    if (mag (v) > peak)
      peak = mag (v);
    n += 1;
  }
  out[0] = sum;
  out[1] = peak;
  out[2] = n;
}
`
const codes: Record<SampleFormat, number> = { s16: 0, s32: 1, f32: 2 }

type LevelOf = (data: NativePointer, count: number, step: number, format: number, out: NativePointer) => void
let compiled: { module: CModule; levelOf: LevelOf; out: NativePointer } | null = null

/** Compiled on first use (a few milliseconds); `out` takes the three results. */
function built(): { levelOf: LevelOf; out: NativePointer } {
  if (!compiled) {
    const module = new CModule(source)
    const levelOf = new NativeFunction(module.level_of, 'void', ['pointer', 'int', 'int', 'int', 'pointer'])
    compiled = { module, levelOf: levelOf as unknown as LevelOf, out: Memory.alloc(24) }
  }
  return compiled
}

/** Interleaved frames at `p` (every channel's samples one after another). */
export function addInterleaved(
  into: Level,
  p: NativePointer,
  frames: number,
  layout: Layout,
  budget: { left: number },
): void {
  if (layout.format) {
    const size = sampleBytes[layout.format]
    addSamples(into, p, frames * layout.channels, size, layout.format, budget)
  }
}

/** One buffer per channel (non-interleaved reads): `buffers` is an array of `channels` pointers. */
export function addPlanar(
  into: Level,
  buffers: NativePointer,
  frames: number,
  layout: Layout,
  budget: { left: number },
): void {
  if (!layout.format || buffers.isNull()) return
  const size = sampleBytes[layout.format]
  for (let c = 0; c < layout.channels; c++)
    addSamples(into, buffers.add(c * Process.pointerSize).readPointer(), frames, size, layout.format, budget)
}
