import { filePath } from '../../shared/contract/define'
import { SessionStore } from '../store/session-store'

/** A file a job reads or writes; the database too is passed by its path, never as the main thread's connection. */
export { filePath }

/** Runs `fn` on a connection of its own to the database file (SQLite in WAL mode lets it share the file). */
export async function withStoreAt<T>(db: string, fn: (store: SessionStore) => Promise<T>): Promise<T> {
  const store = SessionStore.open({ file: db })
  try {
    return await fn(store)
  } finally {
    store.close()
  }
}
