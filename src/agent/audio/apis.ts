/**
 * The audio-capture APIs the agent hooks, by family: data only, shared with the host (which names them when a
 * process has none of them loaded). A family is present in a module that exports its `probe` function.
 */
export interface AudioFamily {
  family: 'pulse' | 'alsa' | 'pipewire' | 'portaudio'
  /** How the user knows it. */
  name: string
  /** The library that usually carries it. */
  library: string
  probe: string
  /** The calls through which an app receives microphone audio (the `api` of its mic-access records). */
  reads: string[]
}

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
]

/** "PulseAudio (libpulse.so.0: pa_stream_peek), ...": what is looked for, for messages. */
export function lookedFor(): string {
  return audioFamilies.map((f) => `${f.name} (${f.library}: ${f.reads.join(', ')})`).join(', ')
}
