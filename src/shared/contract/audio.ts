import { z } from 'zod'
import { weighting } from '../measures'
import { filePath, request } from './define'

/** Where MuteScope plays episodes and what the meeting app must pick as its microphone. */
export const micStatus = z.object({
  platform: z.string(),
  backend: z.enum(['pulseaudio', 'vb-cable', 'blackhole', 'none']),
  /** The device exists and playback can start. */
  ready: z.boolean(),
  /** Created by MuteScope (Linux), so teardown removes it. */
  managed: z.boolean(),
  /** The playback device MuteScope writes to (a PulseAudio sink name, "CABLE Input ...", "BlackHole 2ch"). */
  outputDevice: z.string().nullable(),
  /** The microphone to select in the meeting app, as the app lists it. */
  inputDevice: z.string().nullable(),
  /** The same device as a recorder opens it (parec --device, refvca): a PulseAudio source name elsewhere named. */
  source: z.string().nullable(),
  /** Sound server and version, when there is one to ask (Linux). */
  server: z.string().nullable(),
  /** What to install or run when not ready; null when ready. */
  install: z.string().nullable(),
})
export type MicStatus = z.infer<typeof micStatus>

const nullableDb = z.number().nullable()

/** `mutescope levels --json` and the fileLevels request return exactly this. */
export const fileLevelsResult = z.object({
  file: z.string(),
  sampleRate: z.number().int(),
  durationS: z.number(),
  weighting,
  windows: z.array(
    z.object({
      startS: z.number(),
      durationS: z.number(),
      leq: nullableDb,
      lmax: nullableDb,
      lmin: nullableDb,
      peak: nullableDb,
      powerDb: nullableDb,
    }),
  ),
  overall: z.object({ leq: nullableDb, lmax: nullableDb }),
})
export type FileLevelsResult = z.infer<typeof fileLevelsResult>

export const audioInfo = z.object({
  sampleRate: z.number().int(),
  /** null when ffmpeg names a layout without a count it states (rare). */
  channels: z.number().int().nullable(),
  durationS: z.number().nullable(),
  codec: z.string(),
  decoder: z.enum(['wav', 'ffmpeg']),
})
export type AudioInfo = z.infer<typeof audioInfo>

export const audioRequests = {
  micStatus: request(
    'State of the virtual microphone, with install instructions when missing',
    z.object({}).strict(),
    micStatus,
  ),
  micSetup: request(
    'Creates (Linux) or finds (Windows, macOS) the virtual microphone; one created here is removed at exit',
    z.object({}).strict(),
    micStatus,
  ),
  micTeardown: request(
    'Removes the virtual microphone MuteScope created',
    z.object({}).strict(),
    z.object({ removed: z.number().int(), status: micStatus }),
  ),
  probeAudio: request(
    'Sample rate, channels and duration of an audio or video file',
    z.object({ file: filePath }).strict(),
    audioInfo,
  ),
  fileLevels: request(
    'IEC 61672-1 levels of a file per window (Leq, Fast Lmax/Lmin, peak, powerDb)',
    z
      .object({
        file: filePath,
        windowS: z.number().positive().max(86_400).default(60),
        weighting: weighting.default('A'),
        calibrationDb: z.number().min(-200).max(200).default(0),
      })
      .strict(),
    fileLevelsResult,
  ),
}
