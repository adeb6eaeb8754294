import { UserError } from '../errors'
import type { BackendChoice, FridaBackend } from './backend'
import { NodeBackend } from './node-backend'
import { PythonBackend, pythonCommand } from './python-backend'

/** Opens the chosen backend; `auto` prefers the in-process npm binding and falls back to pip's package. */
export async function openBackend(choice: BackendChoice): Promise<FridaBackend> {
  if (choice === 'node') return NodeBackend.start()
  if (choice === 'python') return PythonBackend.start()
  try {
    return await NodeBackend.start()
  } catch {
    try {
      return await PythonBackend.start()
    } catch (err) {
      throw new UserError(
        `Frida is not available: the npm "frida" binding is not installed and ${pythonCommand()} cannot import ` +
          `pip's frida (${(err as Error).message}). Fix: "pip install frida" (or set MUTESCOPE_PYTHON to a python ` +
          'that has it), or "npm install frida"',
        'no_frida',
      )
    }
  }
}
