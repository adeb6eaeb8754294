import type { Layout, SampleFormat } from './samples'

/** WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT; WAVE_FORMAT_EXTENSIBLE's SubFormat GUID starts with either. */
const PCM = 1
const FLOAT = 3
const EXTENSIBLE = 0xfffe

/**
 * The sample layout a WAVEFORMATEX describes { WORD wFormatTag; WORD nChannels; DWORD nSamplesPerSec;
 * DWORD nAvgBytesPerSec; WORD nBlockAlign; WORD wBitsPerSample; WORD cbSize; }, as WASAPI and waveIn streams
 * are opened with; the format is null for any other coding.
 */
export function waveFormatLayout(wfx: NativePointer): Layout {
  const tag = wfx.readU16()
  const channels = wfx.add(2).readU16()
  const frameBytes = wfx.add(12).readU16()
  const bits = wfx.add(14).readU16()
  // WAVEFORMATEXTENSIBLE: 22 more bytes, SubFormat at 24 (its Data1 is the format tag).
  const kind = tag === EXTENSIBLE && wfx.add(16).readU16() >= 22 ? wfx.add(24).readU32() : tag
  let format: SampleFormat | null = null
  if (kind === FLOAT && bits === 32) format = 'f32'
  else if (kind === PCM && bits === 16) format = 's16'
  else if (kind === PCM && bits === 32) format = 's32'
  return { format: channels > 0 && frameBytes > 0 ? format : null, channels, frameBytes }
}
