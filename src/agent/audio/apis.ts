/**
 * The audio-capture APIs the agent hooks, by family: data only, shared with the host (which names them when a
 * process has none of them loaded). A family is present in a module that exports its `probe` function.
 */
export interface AudioFamily {
  family: 'pulse' | 'alsa' | 'pipewire' | 'portaudio' | 'coreaudio' | 'wasapi' | 'winmm'
  /** The one platform (Frida's Process.platform) it exists on; absent: wherever its library loads. */
  os?: 'darwin'
  /** How the user knows it. */
  name: string
  /** The library that usually carries it. */
  library: string
  probe: string
  /** The calls through which an app receives microphone audio (the `api` of its mic-access records). */
  reads: string[]
}

/** The Windows reads: the packets IAudioCaptureClient hands out, the buffers waveIn returns full. */
export const wasapiRead = 'IAudioCaptureClient::GetBuffer'
export const waveInRead = 'waveInAddBuffer'

export const audioFamilies: readonly AudioFamily[] = [
  {
    family: 'pulse',
    name: 'PulseAudio',
    library: 'libpulse.so.0',
    probe: 'pa_stream_peek',
    reads: ['pa_stream_peek'],
  },
  {
    family: 'pulse',
    name: 'PulseAudio simple API',
    library: 'libpulse-simple.so.0',
    probe: 'pa_simple_read',
    reads: ['pa_simple_read'],
  },
  {
    family: 'alsa',
    name: 'ALSA',
    library: 'libasound.so.2',
    probe: 'snd_pcm_open',
    reads: ['snd_pcm_readi', 'snd_pcm_readn', 'snd_pcm_mmap_readi', 'snd_pcm_mmap_commit'],
  },
  {
    family: 'pipewire',
    name: 'PipeWire',
    library: 'libpipewire-0.3.so.0',
    probe: 'pw_stream_dequeue_buffer',
    reads: ['pw_stream_dequeue_buffer'],
  },
  {
    family: 'portaudio',
    name: 'PortAudio',
    library: 'libportaudio.so.2',
    probe: 'Pa_ReadStream',
    reads: ['Pa_ReadStream'],
  },
  {
    family: 'coreaudio',
    os: 'darwin',
    name: 'Core Audio I/O units',
    library: 'AudioToolbox',
    probe: 'AudioUnitRender',
    reads: ['AudioUnitRender'],
  },
  {
    family: 'coreaudio',
    os: 'darwin',
    name: 'Core Audio HAL',
    library: 'CoreAudio',
    probe: 'AudioDeviceCreateIOProcID',
    reads: ['AudioDeviceIOProc'],
  },
  // Windows, and Windows programs under Wine (audio/windows.ts).
  {
    family: 'wasapi',
    name: 'WASAPI',
    library: 'mmdevapi.dll',
    probe: 'ActivateAudioInterfaceAsync',
    reads: [wasapiRead],
  },
  {
    family: 'winmm',
    name: 'waveIn',
    library: 'winmm.dll',
    probe: 'waveInOpen',
    reads: [waveInRead],
  },
]

/**
 * "PulseAudio (libpulse.so.0: pa_stream_peek), ...": what is looked for, for messages; on `platform` (Frida's
 * Process.platform) when known.
 */
export function lookedFor(platform?: string): string {
  return audioFamilies
    .filter((f) => platform === undefined || f.os === undefined || f.os === platform)
    .map((f) => `${f.name} (${f.library}: ${f.reads.join(', ')})`)
    .join(', ')
}
