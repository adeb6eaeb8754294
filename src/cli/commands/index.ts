import type { Command } from 'commander'
import { registerDecode } from './decode'
import { registerServe } from './serve'
import { registerSessions } from './sessions'

/** Every CLI command; each file under commands/ registers one command (with its subcommands). */
export const commands: ((program: Command) => void)[] = [registerServe, registerSessions, registerDecode]
