import type { Command } from 'commander'
import { registerCapture } from './capture'
import { registerClassify } from './classify'
import { registerCompare } from './compare'
import { registerCorrelate } from './correlate'
import { registerData } from './data'
import { registerDevices } from './devices'
import { registerDecode } from './decode'
import { registerEgress } from './egress'
import { registerEpisodes } from './episodes'
import { registerFigure } from './figure'
import { registerImportLog } from './import-log'
import { registerLabAgent } from './lab-agent'
import { registerLevels } from './levels'
import { registerMic } from './mic'
import { registerMicAccess } from './mic-access'
import { registerPlan } from './plan'
import { registerPlay } from './play'
import { registerPortal } from './portal'
import { registerProcesses } from './processes'
import { registerRefvca } from './refvca'
import { registerRun } from './run'
import { registerServe } from './serve'
import { registerSessions } from './sessions'
import { registerSettings } from './settings'
import { registerSink } from './sink'

/** Every CLI command; each file under commands/ registers one command (with its subcommands). */
export const commands: ((program: Command) => void)[] = [
  registerServe,
  registerSessions,
  registerDecode,
  registerImportLog,
  registerRefvca,
  registerSink,
  registerCapture,
  registerEgress,
  registerProcesses,
  registerClassify,
  registerCorrelate,
  registerFigure,
  registerRun,
  registerPlan,
  registerCompare,
  registerLevels,
  registerEpisodes,
  registerSettings,
  registerData,
  registerMic,
  registerMicAccess,
  registerPlay,
  registerDevices,
  registerPortal,
  registerLabAgent,
]
