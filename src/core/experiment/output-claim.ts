import { createHash } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { UserError } from '../errors'

/**
 * One experiment at a time per playback device: two runs playing into one virtual microphone mix silently.
 * A claim is a file in the data folder (which the app's windows and the CLI share) naming the owner's
 * process and session, created atomically (hard link of a complete file) and taken over only when its
 * process is gone. proper-lockfile and the like judge staleness by mtime and keep no owner to name.
 */
const owner = z
  .object({
    pid: z.number().int().positive(),
    sessionId: z.number().int(),
    session: z.string().max(1000),
    device: z.string().max(1000),
  })
  .strict()
export type OutputOwner = z.infer<typeof owner>

const maxClaimBytes = 8192

function claimFile(dataDir: string, device: string): string {
  const key = createHash('sha256').update(device).digest('hex').slice(0, 24)
  return join(dataDir, 'claims', `output-${key}.json`)
}

/** The claim's owner; null when the file is missing, oversized or not a claim (a stale leftover). */
function readOwner(file: string): OutputOwner | null {
  try {
    if (statSync(file).size > maxClaimBytes) return null
    return owner.parse(JSON.parse(readFileSync(file, 'utf8')))
  } catch {
    return null
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Claims `who.device` for one run, or refuses with a message naming the run that holds it. Returns the
 * release, which removes the claim only while it is still this run's.
 */
export function claimOutput(dataDir: string, who: Omit<OutputOwner, 'pid'>): () => void {
  const me: OutputOwner = { pid: process.pid, ...who }
  const file = claimFile(dataDir, who.device)
  mkdirSync(join(dataDir, 'claims'), { recursive: true, mode: 0o700 })
  const draft = `${file}.${process.pid}.${who.sessionId}.tmp`
  writeFileSync(draft, JSON.stringify(me), { mode: 0o600 })
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(draft, file)
        return () => {
          const holder = readOwner(file)
          if (holder?.pid === me.pid && holder.sessionId === me.sessionId) rmSync(file, { force: true })
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      const holder = readOwner(file)
      if (holder && alive(holder.pid)) {
        throw new UserError(
          `the playback device "${who.device}" is in use by session ${holder.sessionId} ("${holder.session}") ` +
            `of process ${holder.pid}: stop that experiment first, or play into another device ` +
            '(--output-device, or "Playback device" in the app)',
          'device_busy',
        )
      }
      // Its process is gone (a crash, SIGKILL): the claim is stale.
      rmSync(file, { force: true })
    }
    throw new UserError(
      `could not claim "${who.device}": ${file} keeps reappearing; try again`,
      'device_busy',
    )
  } finally {
    rmSync(draft, { force: true })
  }
}
