import type { AnalysisResult, SeriesKey } from '../../shared/contract/analysis'
import { clockOffsetText } from '../../shared/clock-offset-text'
import { MEASURES } from '../../shared/measures'
import type { ClockOffset } from '../../shared/model'
import { deviceLabel, seriesKeyOf, type DeviceGap, type GainSeries } from './charts/deviceSeries'
import { clock, pearsonText } from './charts/format'
import { DifferencesTable } from './DifferencesTable'
import { GainColumns } from './GainColumns'

const gains = ['min', 'mean', 'max'] as const

type Clock = Pick<ClockOffset, 'offsetMs' | 'uncertaintyMs' | 'samples'>

const seriesText = (k: SeriesKey) => `${deviceLabel(k.device)}${k.target ? ` · ${k.target}` : ''}`

/** "+12.3 ± 0.8 ms (5 round trips)": the device's clock against this computer's. */
export function clockText(c: Clock | null | undefined): string {
  return c ? `${clockOffsetText(c)} (${c.samples} round trips)` : 'not measured'
}

/** A device's gaps in words: "12:00:05–12:00:15 (10 s)", "12:01:00–now". */
function gapText(g: { start: number; end: number | null }): string {
  return g.end === null
    ? `${clock(g.start)}–now`
    : `${clock(g.start)}–${clock(g.end)} (${Math.round((g.end - g.start) / 1000)} s)`
}

/** Where each device was lost, under the timeline that shades the same spans. */
export function DeviceGapList({ gaps }: { gaps: readonly DeviceGap[] }) {
  if (gaps.length === 0) return null
  return (
    <p className="muted" aria-label="Device gaps">
      Lost: {gaps.map((g) => `${g.label}${g.target ? ` · ${g.target}` : ''} ${gapText(g)}`).join(', ')}
    </p>
  )
}

/**
 * A multi-device session's analysis: each device's series against the played LAeq (Pearson r with its 95% CI
 * and p), its clock offset and gaps, then every two series compared per gain (Fisher z), in the colours the
 * timeline draws them.
 */
export function DeviceStats({
  analysis,
  series,
  clockOffsets = [],
}: {
  analysis: AnalysisResult
  /** The timeline's series, for their colours. */
  series: readonly GainSeries[]
  /** The session's stored offsets, for devices whose series carries none. */
  clockOffsets?: readonly ClockOffset[]
}) {
  const devices = analysis.devices ?? []
  if (devices.length === 0) return null
  const colors = new Map(series.map((g) => [g.key, g.color]))
  const unit = MEASURES.laeq.name(analysis.alignment.weighting)
  return (
    // Labelled by name, not by id: a comparison shows two sessions' reviews on one page.
    <section aria-label="Per device">
      <h3>Per device</h3>
      <table className="stats" aria-label="Correlation per device">
        <caption className="muted">
          Each device&apos;s gains against {unit}, its clock offset from this computer (applied to its
          timestamps) and where it was lost.
        </caption>
        <thead>
          <tr>
            <th scope="col">Device · target</th>
            <th scope="col">Records</th>
            <th scope="col">n</th>
            <GainColumns />
            <th scope="col">Clock offset</th>
            <th scope="col">Gaps</th>
          </tr>
        </thead>
        <tbody>
          {devices.map((d) => {
            const key = seriesKeyOf(d.device, d.target)
            const stored = clockOffsets.find((c) => c.device === d.device)
            return (
              <tr key={key}>
                <th scope="row">
                  <span className="swatch" style={{ background: colors.get(key) }} /> {seriesText(d)}
                </th>
                <td>{d.records}</td>
                <td>{d.laeq.n}</td>
                {gains.map((g) => (
                  <td key={g}>{pearsonText(d.laeq.pearson[g])}</td>
                ))}
                <td>{clockText(d.clock ?? stored)}</td>
                <td>
                  {d.gaps.length === 0
                    ? 'none'
                    : d.gaps.map((g) => gapText({ start: g.startT, end: g.endT })).join(', ')}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      <DifferencesTable
        label="Differences between devices"
        caption="Difference between two devices’ correlations (Fisher z, two-sided)"
        side="Device"
        rows={(analysis.deviceDifferences ?? []).map((d) => ({
          ...d,
          a: seriesText(d.a),
          b: seriesText(d.b),
        }))}
      />
    </section>
  )
}

/** The devices' clock offsets when the session has them but no per-device analysis (yet). */
export function DeviceClocks({ offsets }: { offsets: readonly ClockOffset[] }) {
  if (offsets.length === 0) return null
  return (
    <p className="muted" aria-label="Clock offsets">
      Clock offsets: {offsets.map((c) => `${deviceLabel(c.device)} ${clockText(c)}`).join(', ')}
    </p>
  )
}
