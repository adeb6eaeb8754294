import type { ClockOffset } from './model'

/** "+12.3 ± 0.8 ms": a device's clock against this computer's (positive: the device is ahead). */
export function clockOffsetText(c: Pick<ClockOffset, 'offsetMs' | 'uncertaintyMs'>): string {
  const sign = c.offsetMs > 0 ? '+' : c.offsetMs < 0 ? '−' : '±'
  return `${sign}${Math.abs(c.offsetMs).toFixed(1)} ± ${c.uncertaintyMs.toFixed(1)} ms`
}
