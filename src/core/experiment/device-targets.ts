import { localDeviceName } from '../../shared/contract/devices'
import {
  targetLabel,
  type ExperimentPlan,
  type ExperimentTarget,
  type TargetStatus,
} from '../../shared/contract/experiment'
import type { FridaBackend, Target } from '../capture/backend'
import { spawnArgv } from '../capture/spawn-argv'
import { useDevice } from '../devices/connect'
import { findDevice, type Device } from '../devices/registry'
import { UserError } from '../errors'

/** How a target's telemetry, events and analysis series are tagged: its device and its label. */
export interface SeriesTag {
  device: string
  target: string
}

/** One more target of a multi-device run, its device found in the registry. */
export interface ExtraTarget {
  device: Device
  target: ExperimentTarget
  tag: SeriesTag
}

/** The plan's own target's tag: its HOST:PORT when it names one, else this computer. */
export function firstTag(plan: ExperimentPlan): SeriesTag {
  return { device: plan.host ?? localDeviceName, target: targetLabel(plan.target) }
}

/**
 * The plan's additional targets with their devices, each name checked against the registry before anything
 * starts (an unknown name is a UserError naming "mutescope devices add"). A target given twice is refused:
 * its telemetry would be counted twice.
 */
export function extraTargets(dataDir: string, plan: ExperimentPlan): ExtraTarget[] {
  const seen = new Set([JSON.stringify(firstTag(plan))])
  return (plan.targets ?? []).map(({ device, target }) => {
    const tag = { device, target: targetLabel(target) }
    const key = JSON.stringify(tag)
    if (seen.has(key))
      throw new UserError(`the plan names ${tag.target} on ${device} twice; give each target once`)
    seen.add(key)
    return { device: findDevice(dataDir, device), target, tag }
  })
}

/** Makes each device of the targets reachable through `backend`, once per device; its host by device name. */
export async function connectDevices(
  backend: FridaBackend,
  targets: readonly ExtraTarget[],
): Promise<Map<string, string | null>> {
  const hosts = new Map<string, string | null>()
  for (const t of targets)
    if (!hosts.has(t.device.name)) hosts.set(t.device.name, await useDevice(backend, t.device))
  return hosts
}

/** What a CaptureRun attaches to for a target; refvca is the one the run started (`refvcaPid`). */
export function captureTarget(t: ExperimentTarget, host: string | null, refvcaPid: number | null): Target {
  if (t.kind === 'refvca') {
    if (refvcaPid === null) throw new Error('refvca was not started for this target')
    return { pids: [refvcaPid] }
  }
  if (t.kind === 'pid') return { pids: [t.pid] } // with its tree: the picker offers applications
  if (t.kind === 'name') return { name: t.name }
  return { spawn: spawnArgv(t.command, host) }
}

/** The runner's view of every target as it starts: the plan's own first. */
export function initialStatuses(first: SeriesTag, extras: readonly ExtraTarget[]): TargetStatus[] {
  return [first, ...extras.map((e) => e.tag)].map((tag) => ({
    ...tag,
    status: 'starting',
    telemetry: 0,
    clock: null,
  }))
}
