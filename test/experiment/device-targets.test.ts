import { describe, expect, it } from 'vitest'
import { UserError } from '../../src/core/errors'
import { extraTargets, firstTag, initialStatuses } from '../../src/core/experiment/device-targets'
import { runPlanOf } from '../../src/core/experiment/plan-runner'
import { putDevice } from '../../src/core/devices/registry'
import { experimentPlan } from '../../src/shared/contract/experiment'
import { planSpec } from '../../src/shared/contract/plans'
import { tempDir } from '../support/helpers'

const plan = (targets: unknown) =>
  experimentPlan.parse({ target: { kind: 'refvca' }, episodes: ['a.wav'], targets })

describe('the targets of a multi-device experiment', () => {
  it('finds each device in the registry and tags each target, the plan’s own first', () => {
    const dir = tempDir()
    putDevice(dir, { kind: 'portal', name: 'lab', address: '127.0.0.1:27052', token: 't', certificate: null })
    const p = plan([
      { device: 'lab', target: { kind: 'pid', pid: 42 } },
      { device: 'local', target: { kind: 'name', name: 'zoom' } },
    ])
    const extras = extraTargets(dir, p)
    expect(extras.map((e) => [e.device.kind, e.tag])).toEqual([
      ['portal', { device: 'lab', target: 'pid 42' }],
      ['local', { device: 'local', target: 'zoom' }],
    ])
    expect(initialStatuses(firstTag(p), extras).map((s) => [s.device, s.target, s.status])).toEqual([
      ['local', 'refvca', 'starting'],
      ['lab', 'pid 42', 'starting'],
      ['local', 'zoom', 'starting'],
    ])
  })

  it('refuses an unknown device naming the fix, a target given twice, and refvca on another device', () => {
    const dir = tempDir()
    const unknown = () => extraTargets(dir, plan([{ device: 'lab', target: { kind: 'pid', pid: 42 } }]))
    expect(unknown).toThrow(UserError)
    expect(unknown).toThrow(/no device named "lab".*mutescope devices add/)
    const twice = plan([
      { device: 'local', target: { kind: 'pid', pid: 7 } },
      { device: 'local', target: { kind: 'pid', pid: 7 } },
    ])
    expect(() => extraTargets(dir, twice)).toThrow(/names pid 7 on local twice/)
    const refvca = experimentPlan.safeParse({
      target: { kind: 'refvca' },
      episodes: ['a.wav'],
      targets: [{ device: 'lab', target: { kind: 'refvca' } }],
    })
    expect(refvca.success).toBe(false)
    expect(refvca.error?.issues[0]).toMatchObject({ path: ['targets', 0, 'target'] })
  })

  it('takes the targets of a plan file into every run', () => {
    const spec = planSpec.parse({
      name: 'two rooms',
      target: 'refvca',
      episodes: ['a.wav'],
      conditions: [{}],
      targets: [
        { device: 'lab', target: 4242 },
        { device: 'lab2', target: { spawn: 'zoom --muted' } },
      ],
    })
    const run = { run: 1, condition: 0, repeat: 1, episode: 'a.wav' } as Parameters<typeof runPlanOf>[1]
    expect(runPlanOf(spec, run, 1).targets).toEqual([
      { device: 'lab', target: { kind: 'pid', pid: 4242 } },
      { device: 'lab2', target: { kind: 'spawn', command: 'zoom --muted' } },
    ])
    const bad = planSpec.safeParse({ ...spec, targets: [{ device: 'lab', target: 'refvca' }] })
    expect(bad.success).toBe(false)
  })
})
