import { experimentPlan, type ExperimentPlan } from '../../shared/contract/experiment'
import { resourcePath } from '../paths'

/** The shipped demo episode: pink noise and speech whose level steps every 15 s (scripts/make-demo-episode.sh). */
export const demoEpisode = (): string => resourcePath('demo', 'demo-episode.opus')

/**
 * The first-run experiment: refvca as the muted app, MuteScope's virtual microphone, the demo episode and
 * 5 s telemetry intervals, so live points appear within seconds and the whole loop runs in two minutes; with
 * the mic-access lane, which shows refvca reading the microphone (through parec) all along.
 */
export function demoPlan(): ExperimentPlan {
  return experimentPlan.parse({
    target: { kind: 'refvca' },
    episodes: [demoEpisode()],
    intervalS: 5,
    micAccess: true,
    meta: { name: 'Demo experiment', notes: 'refvca (a model of a muted app) hearing the demo episode' },
  })
}
