// Training wall time of the background-activity classifier: n=7, 700 epochs, batch 500 (the paper's settings).
// Goal: under 60 s on a 2-core machine. MUTESCOPE_TF_BACKEND=cpu measures the pure-JS backend instead of wasm.
import { defaultPaperDir, loadPaperDataset } from '../src/core/classify/dataset'
import { train } from '../src/core/classify/train'

const epochs = Number(process.env.BENCH_EPOCHS ?? 700)
const goalSeconds = 60

async function main(): Promise<void> {
  const data = loadPaperDataset(defaultPaperDir())
  const started = performance.now()
  const r = await train(data, { window: 7, epochs, batch: 500, seed: 1, split: 'random' })
  const wall = (performance.now() - started) / 1000
  const full = (r.trainSeconds * 700) / epochs
  console.log(
    [
      `backend ${r.backend}; n=7, batch 500, ${epochs} epochs, ${r.counts.train} training windows`,
      `training loop (with per-epoch validation): ${r.trainSeconds.toFixed(2)} s ` +
        `(${((r.trainSeconds / epochs) * 1000).toFixed(1)} ms/epoch)`,
      `wall time incl. backend start and final evaluation: ${wall.toFixed(2)} s`,
      `700 epochs: ${full.toFixed(1)} s, goal < ${goalSeconds} s: ${full < goalSeconds ? 'met' : 'NOT met'}`,
      `kept epoch ${r.bestEpoch}, validation precision ${(r.validation.weightedPrecision * 100).toFixed(2)}%`,
    ].join('\n'),
  )
}

void main()
