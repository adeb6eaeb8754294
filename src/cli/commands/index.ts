import type { Command } from 'commander'
import { registerCapture } from './capture'
import { registerClassify } from './classify'
import { registerCorrelate } from './correlate'
import { registerDecode } from './decode'
import { registerLevels } from './levels'
import { registerMic } from './mic'
import { registerPlay } from './play'
import { registerProcesses } from './processes'
import { registerRefvca } from './refvca'
import { registerRun } from './run'
import { registerServe } from './serve'
import { registerSessions } from './sessions'
import { registerSink } from './sink'

/** Every CLI command; each file under commands/ registers one command (with its subcommands). */
export const commands: ((program: Command) => void)[] = [
  registerServe,
  registerSessions,
  registerDecode,
  registerRefvca,
  registerSink,
  registerCapture,
  registerProcesses,
  registerClassify,
  registerCorrelate,
  registerRun,
  registerLevels,
  registerMic,
  registerPlay,
]
