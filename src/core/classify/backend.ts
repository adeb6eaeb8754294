import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import '@tensorflow/tfjs-backend-wasm'

let ready: Promise<string> | undefined

/**
 * Selects the tfjs backend once per process: the wasm backend (XNNPACK with SIMD; its .wasm ships inside the
 * npm package, so it works offline) runs this network's matmuls 5-10x faster than the pure-JS CPU backend.
 * Falls back to the CPU backend where wasm cannot start; MUTESCOPE_TF_BACKEND=cpu forces it (to compare).
 * Returns the backend's name.
 */
export function tfReady(): Promise<string> {
  ready ??= (async () => {
    tf.enableProdMode()
    const ok = process.env.MUTESCOPE_TF_BACKEND !== 'cpu' && (await tf.setBackend('wasm').catch(() => false))
    if (!ok) await tf.setBackend('cpu')
    await tf.ready()
    return tf.getBackend()
  })()
  return ready
}
