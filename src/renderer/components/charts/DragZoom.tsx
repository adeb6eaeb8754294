import { useState, type PointerEvent } from 'react'
import {
  DefaultZIndexes,
  usePlotArea,
  useXAxisInverseScale,
  useYAxisInverseScale,
  ZIndexLayer,
} from 'recharts'

/** The data ranges a drag selected: x always, y too on charts that zoom both ways. */
export interface ZoomBox {
  x: [number, number]
  y: [number, number] | null
}

/** Drags shorter than this many pixels are clicks, not zooms. */
const MIN_DRAG_PX = 6

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v))
const span = (a: number, b: number): [number, number] => (a < b ? [a, b] : [b, a])

/**
 * Zoom by dragging across a chart's plot area (recharts child): the dragged span of x (and of y, for
 * `axes="xy"`) becomes the chart's domain; a double click asks to zoom back out. Drawn just above shaded
 * areas and below lines and points, so that hovering a point still shows its values.
 */
export function DragZoom({
  onZoom,
  axes = 'x',
  yAxisId,
}: {
  onZoom: (zoom: ZoomBox | null) => void
  axes?: 'x' | 'xy'
  yAxisId?: string
}) {
  const area = usePlotArea()
  const toX = useXAxisInverseScale()
  const toY = useYAxisInverseScale(yAxisId)
  const [drag, setDrag] = useState<{ x0: number; y0: number; x1: number; y1: number } | null>(null)
  if (!area || !toX) return null
  const { x, y, width, height } = area

  /** The pointer in the chart's own coordinates, kept inside the plot area. */
  function at(e: PointerEvent<SVGRectElement>) {
    const m = e.currentTarget.ownerSVGElement?.getScreenCTM()?.inverse()
    const p = m ? new DOMPoint(e.clientX, e.clientY).matrixTransform(m) : { x: e.clientX, y: e.clientY }
    return { x: clamp(p.x, x, x + width), y: clamp(p.y, y, y + height) }
  }

  function end() {
    if (!drag) return
    setDrag(null)
    if (Math.abs(drag.x1 - drag.x0) < MIN_DRAG_PX) return
    const xs = span(Number(toX!(drag.x0)), Number(toX!(drag.x1)))
    const ys =
      axes === 'xy' && toY && Math.abs(drag.y1 - drag.y0) >= MIN_DRAG_PX
        ? span(Number(toY(drag.y0)), Number(toY(drag.y1)))
        : null
    onZoom({ x: xs, y: ys })
  }

  const box = drag && {
    x: Math.min(drag.x0, drag.x1),
    y: axes === 'xy' ? Math.min(drag.y0, drag.y1) : y,
    width: Math.abs(drag.x1 - drag.x0),
    height: axes === 'xy' ? Math.abs(drag.y1 - drag.y0) : height,
  }
  return (
    <ZIndexLayer zIndex={DefaultZIndexes.area + 1}>
      <g className="drag-zoom">
        <rect
          className="zoom-area"
          x={x}
          y={y}
          width={width}
          height={height}
          fill="transparent"
          style={{ cursor: 'crosshair' }}
          onPointerDown={(e) => {
            if (e.button !== 0) return
            e.currentTarget.setPointerCapture(e.pointerId)
            const p = at(e)
            setDrag({ x0: p.x, y0: p.y, x1: p.x, y1: p.y })
          }}
          onPointerMove={(e) => {
            if (!drag) return
            const p = at(e)
            setDrag({ ...drag, x1: p.x, y1: p.y })
          }}
          onPointerUp={end}
          onPointerCancel={() => setDrag(null)}
          onDoubleClick={() => onZoom(null)}
        />
        {box && (
          <rect
            className="zoom-selection"
            {...box}
            fill="#2557d6"
            fillOpacity={0.12}
            stroke="#2557d6"
            strokeDasharray="4 2"
            pointerEvents="none"
          />
        )}
      </g>
    </ZIndexLayer>
  )
}

/** The button that undoes a zoom, shown while zoomed. */
export function ResetZoom({ onReset }: { onReset: () => void }) {
  return (
    <button type="button" className="zoom-reset" onClick={onReset}>
      Reset zoom
    </button>
  )
}
