import type { Figure, MatrixFigure } from './figure-model'

function cell(v: string | number | null): string {
  if (v === null) return ''
  const s = String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const csvText = (rows: (string | number | null)[][]) =>
  rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'

/**
 * Exactly the points a figure draws, one row each (RFC 4180): its panel, series, session and time (columns
 * left out when no point comes from a session), x (the header names the x axis) and y with the axis it is
 * drawn on, then the figure's constants (e.g. the calibration its levels include), so the numbers can be
 * checked or redrawn elsewhere.
 */
export function figureCsv(fig: Figure): string {
  const constants = Object.entries(fig.constants)
  const points = fig.panels.flatMap((panel) =>
    panel.series.flatMap((s) => s.points.map((p) => ({ panel, s, p }))),
  )
  const ofSessions = points.some(({ p }) => p.sessionId !== null || p.t !== null)
  const header = [
    'panel',
    'series',
    ...(ofSessions ? ['session_id', 'time_iso'] : []),
    fig.xLabel,
    'y',
    'y_axis',
    ...constants.map(([k]) => k),
  ]
  const rows = points.map(({ panel, s, p }) => [
    panel.title ?? '',
    s.id,
    ...(ofSessions ? [p.sessionId, p.t === null ? null : new Date(p.t).toISOString()] : []),
    p.x,
    p.y,
    s.axis === 'right' ? fig.yRightLabel : fig.yLabel,
    ...constants.map(([, v]) => v),
  ])
  return csvText([header, ...rows])
}

/** Every cell a matrix figure draws, one row each: its panel, row, column, value and count, then the constants. */
export function matrixCsv(fig: MatrixFigure): string {
  const constants = Object.entries(fig.constants)
  const header = ['panel', fig.rowLabel, fig.colLabel, fig.valueLabel, 'count', ...constants.map(([k]) => k)]
  const rows = fig.panels.flatMap((panel) =>
    fig.rows.flatMap((row, r) =>
      fig.cols.map((col, c) => [
        panel.title,
        row,
        col,
        panel.values[r][c],
        panel.counts[r][c],
        ...constants.map(([, v]) => v),
      ]),
    ),
  )
  return csvText([header, ...rows])
}
