import * as tf from '@tensorflow/tfjs-core'
import type { Prediction, SavedModel } from '../../shared/contract/classify'
import { UserError } from '../errors'
import type { SessionStore } from '../store/session-store'
import { tfReady } from './backend'
import { nonMinuteInterval, sessionGains } from './dataset'
import { CLASS_NAMES } from './labels'
import { Network } from './network'
import { argmaxRows, probabilities } from './train'

/** Classifies the latest n gains records of a session (n = the model's window): the live privacy risk. */
export async function predictSession(
  store: SessionStore,
  sessionId: number,
  model: SavedModel,
): Promise<Prediction> {
  const records = sessionGains(store, sessionId)
  const n = model.window
  const intervalS = nonMinuteInterval(store.getSession(sessionId), records)
  if (intervalS !== null)
    throw new UserError(
      `session ${sessionId} has a gains record every ${intervalS} s, but the classifier learned from one record ` +
        `a minute (Webex's interval), so its last ${n} records are not ${n} minutes; classify a session recorded ` +
        'with a 60 s telemetry interval',
      'not_minutes',
    )
  if (records.length < n) {
    throw new UserError(
      `session ${sessionId} has ${records.length} gains record${records.length === 1 ? '' : 's'} but model ` +
        `${model.id} needs ${n} (one per minute); wait for more minutes or use a model with a smaller window`,
      'too_few_records',
    )
  }
  await tfReady()
  const latest = records.slice(-n)
  const net = new Network(n)
  const params = tf.tensor1d(model.params)
  try {
    const p = probabilities(net, params, Float32Array.from(latest.flatMap((r) => r.gains)), 1)
    return {
      sessionId,
      modelId: model.id,
      window: n,
      records: records.length,
      from: latest[0].t,
      to: latest[n - 1].t,
      gains: latest.map((r) => r.gains),
      predicted: CLASS_NAMES[argmaxRows(p)[0]],
      probabilities: CLASS_NAMES.map((label, c) => ({ label, p: p[c] })),
    }
  } finally {
    params.dispose()
    net.dispose()
  }
}
