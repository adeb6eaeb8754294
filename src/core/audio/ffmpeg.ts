import { spawn } from 'node:child_process'
import { platform } from 'node:os'
import { UserError } from '../errors'

/** The ffmpeg binary: MUTESCOPE_FFMPEG when set, otherwise `ffmpeg` on the PATH. */
export function ffmpegPath(): string {
  const fromEnv = process.env.MUTESCOPE_FFMPEG
  return fromEnv && fromEnv.length > 0 ? fromEnv : 'ffmpeg'
}

export function ffmpegMissing(why: string): UserError {
  const install =
    platform() === 'win32'
      ? 'winget install Gyan.FFmpeg'
      : platform() === 'darwin'
        ? 'brew install ffmpeg'
        : "sudo apt install ffmpeg (or your distribution's package)"
  return new UserError(
    `${why} needs ffmpeg, which was not found at "${ffmpegPath()}": install it (${install}) ` +
      'or set MUTESCOPE_FFMPEG to the ffmpeg executable',
    'ffmpeg_missing',
  )
}

/** Spawns ffmpeg, turning a missing binary into a UserError instead of an unhandled 'error' event. */
export function spawnFfmpeg(args: string[], why: string) {
  // Its own process group, so a Ctrl-C meant for MuteScope does not cut a decode short (MuteScope stops it);
  // if MuteScope dies, ffmpeg's next write to the closed pipe ends it.
  const proc = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
  })
  let stderr = ''
  proc.stderr.setEncoding('utf8')
  // Only the tail matters for error messages; keep memory bounded on long, chatty decodes.
  proc.stderr.on('data', (s: string) => (stderr = (stderr + s).slice(-8192)))
  const exited = new Promise<number>((resolve, reject) => {
    proc.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' || err.code === 'EACCES' ? ffmpegMissing(why) : err),
    )
    proc.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })
  return { proc, exited, stderr: () => stderr }
}

export interface FfmpegProbe {
  codec: string
  sampleRate: number
  channels: string
  /** Container duration; null when the container does not say (raw streams, live captures). */
  durationS: number | null
}

/** The first line of ffmpeg's diagnosis, without its "file: " prefix, for error messages. */
export function ffmpegReason(stderr: string, file: string): string {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0 && !l.startsWith('Input #') && !l.startsWith('At least one output'))
  return (line ?? 'no diagnosis').replace(`${file}: `, '')
}

/**
 * Reads the container header with `ffmpeg -i` (ffmpeg alone, so MUTESCOPE_FFMPEG can point at a static build
 * without ffprobe). Its banner format ("Duration: ...", "Stream #0:0: Audio: codec, 48000 Hz, stereo") has been
 * stable for over a decade.
 */
export async function ffmpegProbe(file: string): Promise<FfmpegProbe> {
  const run = spawnFfmpeg(['-i', file], 'reading this file')
  await run.exited
  const text = run.stderr()
  const audio = /Stream #\d+:\d+[^:]*: Audio: ([^\s,]+)[^\n]*?, (\d+) Hz, ([^,\n]+)/.exec(text)
  if (!audio) {
    // An audio stream without a sample rate is ffmpeg guessing from the name (random bytes called .mp3).
    const why = /: Audio: /.test(text)
      ? 'is not a valid audio file: ffmpeg finds no decodable audio in it (damaged, or not what its name says)'
      : /^Input #0/m.test(text)
        ? 'has no audio stream; choose a file with a sound track'
        : `is not an audio or video file ffmpeg can read (${ffmpegReason(text, file)})`
    throw new UserError(`${file} ${why}; check the file, or convert it to WAV`, 'not_audio')
  }
  const d = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(text)
  return {
    codec: audio[1],
    sampleRate: Number(audio[2]),
    channels: audio[3].trim(),
    durationS: d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : null,
  }
}
