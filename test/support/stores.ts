import { afterEach } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import { tempDir } from './helpers'

/**
 * An opener of session stores for one test file (in a new temporary folder unless `dir` is given); every
 * store it opened is closed after each test, so that a failing test leaves no database open.
 */
export function storesClosedAfterEach(): (dir?: string) => SessionStore {
  const open: SessionStore[] = []
  afterEach(() => open.splice(0).forEach((s) => s.close()))
  return (dir = tempDir()) => {
    const s = SessionStore.open({ dir })
    open.push(s)
    return s
  }
}
