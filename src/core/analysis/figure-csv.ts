import type { Figure } from './figure-model'

function cell(v: string | number | null): string {
  if (v === null) return ''
  const s = String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/**
 * Exactly the points a figure draws, one row each (RFC 4180): its panel, series, session and time, x (the
 * header names the x axis) and y with the axis it is drawn on, then the figure's constants (e.g. the
 * calibration its levels include), so the numbers can be checked or redrawn elsewhere.
 */
export function figureCsv(fig: Figure): string {
  const constants = Object.entries(fig.constants)
  const header = [
    'panel',
    'series',
    'session_id',
    'time_iso',
    fig.xLabel,
    'y',
    'y_axis',
    ...constants.map(([k]) => k),
  ]
  const rows = fig.panels.flatMap((panel) =>
    panel.series.flatMap((s) =>
      s.points.map((p) => [
        panel.title ?? '',
        s.id,
        p.sessionId,
        p.t === null ? null : new Date(p.t).toISOString(),
        p.x,
        p.y,
        s.axis === 'right' ? fig.yRightLabel : fig.yLabel,
        ...constants.map(([, v]) => v),
      ]),
    ),
  )
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'
}
