import * as tf from '@tensorflow/tfjs-core'
import { CH, CONV_PARAMS, HIDDEN, layout, type Layout } from './layout'
import { NUM_CLASSES } from './labels'

/**
 * The authors' network (paper Sec. 5.3): Conv1d(3->6, k=2) + ReLU, Conv1d(6->6, k=2) + ReLU, flatten,
 * Dense 35 tanh, Dense 35 tanh, Dense 6 (logits). A window is fed minute-major: x[t*3 + channel] with
 * channels [max, mean, min].
 *
 * Why it is written by hand instead of with tf.layers + autodiff: at this size every tfjs op costs more in
 * dispatch than in arithmetic, and the wasm backend runs transposed matmuls (what autodiff emits) several
 * times slower than plain ones. So both kernel-2 convolutions become one matmul each with a banded matrix
 * that is expanded from the conv weights by a constant 0/1 matrix, the backward pass is spelled out with
 * explicit transposes, and all parameters live in one vector so Adam updates one variable. The maths is
 * the same as PyTorch's; test/classify checks it against a direct float64 computation (gradient by central
 * differences). tfjs-core alone registers neither gradients nor chained ops (x.reshape()), so none are used
 * here: every op is called as tf.op(x).
 */

/** tanh as 2 sigmoid(2z) - 1: the wasm backend's Tanh kernel is about twice as slow as these four ops. */
function tanh(z: tf.Tensor): tf.Tensor2D {
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(z, 2)), 2), 1)
}

/**
 * The constant 0/1 matrix S with conv params (1 x 120) @ S = [M1 | B1 | M2 | B2] flattened, where M1, M2 are
 * the banded matrices of the two convolutions and B1, B2 their biases repeated per output position. M1 maps
 * minute-major input to minute-major conv1 output; M2 maps that to conv2 output in PyTorch's flatten order
 * (channel-major), so the dense weights line up with the authors' model.
 */
function expansion(n: number): { s: Float32Array; cols: number; parts: number[] } {
  const in1 = 3 * n
  const out1 = CH * (n - 1)
  const out2 = CH * (n - 2)
  const parts = [in1 * out1, out1, out1 * out2, out2]
  const cols = parts.reduce((a, b) => a + b)
  const s = new Float32Array(CONV_PARAMS * cols)
  const set = (param: number, col: number) => (s[param * cols + col] = 1)
  const b1At = parts[0]
  const m2At = b1At + parts[1]
  const b2At = m2At + parts[2]
  for (let t = 0; t < n - 1; t++)
    for (let o = 0; o < CH; o++) {
      for (let k = 0; k < 2; k++)
        for (let c = 0; c < 3; c++) set(o * 6 + c * 2 + k, ((t + k) * 3 + c) * out1 + t * CH + o)
      set(36 + o, b1At + t * CH + o)
    }
  for (let t = 0; t < n - 2; t++)
    for (let o = 0; o < CH; o++) {
      for (let k = 0; k < 2; k++)
        for (let c = 0; c < CH; c++)
          set(42 + o * 12 + c * 2 + k, m2At + ((t + k) * CH + c) * out2 + o * (n - 2) + t)
      set(114 + o, b2At + o * (n - 2) + t)
    }
  return { s, cols, parts }
}

/** Constant tensors of one window size, built once per training run or model. */
export class Network {
  readonly l: Layout
  private readonly s: tf.Tensor2D
  private readonly sT: tf.Tensor2D
  private readonly parts: number[]

  constructor(n: number) {
    this.l = layout(n)
    const { s, cols, parts } = expansion(n)
    this.parts = parts
    this.s = tf.tensor2d(s, [CONV_PARAMS, cols])
    this.sT = tf.transpose(this.s)
  }

  dispose(): void {
    tf.dispose([this.s, this.sT])
  }

  /** The weight matrices of one parameter vector, in the shapes the forward pass multiplies with. */
  private unpack(theta: tf.Tensor1D) {
    const { n, features, d1, c1, d2, c2, d3, c3 } = this.l
    const e = tf.reshape(
      tf.matMul(tf.reshape(tf.slice(theta, 0, CONV_PARAMS), [1, CONV_PARAMS]), this.s),
      [-1],
    )
    const [m1, b1, m2, b2] = tf.split(e, this.parts)
    return {
      m1: tf.reshape(m1, [3 * n, CH * (n - 1)]) as tf.Tensor2D,
      b1,
      m2: tf.reshape(m2, [CH * (n - 1), features]) as tf.Tensor2D,
      b2,
      d1: tf.reshape(tf.slice(theta, d1, features * HIDDEN), [features, HIDDEN]) as tf.Tensor2D,
      c1: tf.slice(theta, c1, HIDDEN),
      d2: tf.reshape(tf.slice(theta, d2, HIDDEN * HIDDEN), [HIDDEN, HIDDEN]) as tf.Tensor2D,
      c2: tf.slice(theta, c2, HIDDEN),
      d3: tf.reshape(tf.slice(theta, d3, HIDDEN * NUM_CLASSES), [HIDDEN, NUM_CLASSES]) as tf.Tensor2D,
      c3: tf.slice(theta, c3, NUM_CLASSES),
    }
  }

  private run(theta: tf.Tensor1D, x: tf.Tensor2D) {
    const w = this.unpack(theta)
    const a1 = tf.relu(tf.add(tf.matMul(x, w.m1), w.b1)) as tf.Tensor2D
    const a2 = tf.relu(tf.add(tf.matMul(a1, w.m2), w.b2)) as tf.Tensor2D
    const h1 = tanh(tf.add(tf.matMul(a2, w.d1), w.c1))
    const h2 = tanh(tf.add(tf.matMul(h1, w.d2), w.c2))
    const logits = tf.add(tf.matMul(h2, w.d3), w.c3) as tf.Tensor2D
    return { w, a1, a2, h1, h2, logits }
  }

  /** Logits for a batch x [B, 3n]. Call inside tf.tidy. */
  logits(theta: tf.Tensor1D, x: tf.Tensor2D): tf.Tensor2D {
    return this.run(theta, x).logits
  }

  /**
   * Mean softmax cross-entropy of a batch and its gradient with respect to theta. `xT` is x transposed
   * (passed in so a caller can reuse it). Call inside tf.tidy.
   */
  lossAndGrad(
    theta: tf.Tensor1D,
    x: tf.Tensor2D,
    xT: tf.Tensor2D,
    oneHot: tf.Tensor2D,
  ): { loss: tf.Scalar; grad: tf.Tensor1D } {
    const { w, a1, a2, h1, h2, logits } = this.run(theta, x)
    const batch = x.shape[0]
    const loss = tf.div(tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)))), batch) as tf.Scalar
    // d loss / d logits of the mean cross-entropy.
    const g3 = tf.div(tf.sub(tf.softmax(logits), oneHot), batch) as tf.Tensor2D
    // Bias gradients as ones @ dOut: a matmul is cheaper than a column sum on wasm.
    const ones = tf.ones([1, batch]) as tf.Tensor2D
    const dense = (input: tf.Tensor2D, dOut: tf.Tensor2D) => [
      tf.matMul(tf.transpose(input), dOut),
      tf.matMul(ones, dOut),
    ]
    const back = (dOut: tf.Tensor2D, weight: tf.Tensor2D): tf.Tensor2D =>
      tf.matMul(dOut, tf.transpose(weight))
    const tanhGrad = (dy: tf.Tensor2D, y: tf.Tensor2D) => tf.mul(dy, tf.sub(1, tf.square(y))) as tf.Tensor2D
    const reluGrad = (dy: tf.Tensor2D, y: tf.Tensor2D) => tf.mul(dy, tf.step(y)) as tf.Tensor2D
    const [gd3, gc3] = dense(h2, g3)
    const g2 = tanhGrad(back(g3, w.d3), h2)
    const [gd2, gc2] = dense(h1, g2)
    const g1 = tanhGrad(back(g2, w.d2), h1)
    const [gd1, gc1] = dense(a2, g1)
    const gz2 = reluGrad(back(g1, w.d1), a2)
    const [gm2, gb2] = dense(a1, gz2)
    const gz1 = reluGrad(back(gz2, w.m2), a1)
    const gm1 = tf.matMul(xT, gz1)
    const gb1 = tf.matMul(ones, gz1)
    const gExpanded = tf.concat(
      [gm1, gb1, gm2, gb2].map((t) => tf.reshape(t, [1, -1])),
      1,
    )
    const gConv = tf.reshape(tf.matMul(gExpanded, this.sT), [-1])
    const grad = tf.concat([
      gConv,
      ...[gd1, gc1, gd2, gc2, gd3, gc3].map((t) => tf.reshape(t, [-1])),
    ]) as tf.Tensor1D
    return { loss, grad }
  }
}
