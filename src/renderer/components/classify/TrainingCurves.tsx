import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'

export interface CurvePoint {
  epoch: number
  loss: number
  valAccuracy: number
  valPrecision: number
}

/** Training loss and validation metrics per epoch (live while training, or a saved model's history). */
export function TrainingCurves({ points, bestEpoch }: { points: CurvePoint[]; bestEpoch?: number }) {
  const data = points.map((p) => ({
    ...p,
    valAccuracy: p.valAccuracy * 100,
    valPrecision: p.valPrecision * 100,
  }))
  return (
    <div className="compare">
      <figure className="chart" aria-label="Training loss per epoch">
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="epoch" type="number" domain={[1, 'dataMax']} allowDecimals={false} />
            <YAxis domain={[0, 'auto']} />
            <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : v)} />
            <Legend verticalAlign="top" />
            <Line
              dataKey="loss"
              name="training loss"
              stroke="#c62828"
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </figure>
      <figure className="chart" aria-label="Validation accuracy and precision per epoch">
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="epoch" type="number" domain={[1, 'dataMax']} allowDecimals={false} />
            <YAxis domain={[0, 100]} unit="%" />
            <Tooltip formatter={(v) => (typeof v === 'number' ? `${v.toFixed(2)}%` : v)} />
            <Legend verticalAlign="top" />
            <Line
              dataKey="valAccuracy"
              name="validation accuracy"
              stroke="#2557d6"
              dot={false}
              isAnimationActive={false}
            />
            <Line
              dataKey="valPrecision"
              name={`validation precision${bestEpoch ? ` (kept epoch ${bestEpoch})` : ''}`}
              stroke="#2e7d32"
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </figure>
    </div>
  )
}
