import { useState } from 'react'
import type { CompareResult, GroupField } from '../../shared/contract/compare'
import { alignMethod, type AlignMethod } from '../../shared/contract/analysis'
import {
  ALIGN_METHOD_NAMES,
  LEVEL_MEASURES,
  MEASURE_FAMILIES,
  MEASURES,
  type LevelMeasure,
} from '../../shared/measures'
import { api } from '../api'
import { groupColors, pearsonText } from '../components/charts/format'
import { DifferencesTable } from '../components/DifferencesTable'
import { GainColumns } from '../components/GainColumns'
import { GroupScatter, keyText } from '../components/charts/GroupScatter'
import { FigureExportButton } from '../components/FigureExportDialog'
import { Empty, ErrorState, Loading } from '../components/Status'
import { useNav } from '../nav'
import { useRequest } from '../useRequest'

/** The fields a study varies, as the session form names them. */
const fields: [GroupField, string][] = [
  ['micMode', 'Microphone mode'],
  ['distanceCm', 'Speaker–mic distance'],
  ['activity', 'Activity label'],
  ['targetApp', 'App'],
  ['appVersion', 'App version'],
  ['microphone', 'Microphone'],
  ['os', 'OS'],
]
const gains = ['min', 'mean', 'max'] as const

const capitalised = (s: string) => s[0].toUpperCase() + s.slice(1)

/**
 * Per-condition analysis: sessions of a plan (or found by a search) grouped by metadata, the gains of each
 * group pooled and correlated with the played level, and the difference between groups tested (Fisher z).
 */
export function ComparePage() {
  const { planId, go } = useNav()
  const [source, setSource] = useState<'plan' | 'search'>(planId ? 'plan' : 'search')
  const [search, setSearch] = useState('')
  const [groupBy, setGroupBy] = useState<GroupField[]>(['micMode'])
  const [level, setLevel] = useState<LevelMeasure>('laeq')
  const [method, setMethod] = useState<AlignMethod>('aligned')
  const [gain, setGain] = useState<(typeof gains)[number]>('mean')
  const [plans] = useRequest(() => api.listPlans({}), [])
  const select =
    source === 'plan' ? (planId ? { planId } : null) : search.trim() ? { search: search.trim() } : null
  const [result, reload] = useRequest(
    () =>
      select && groupBy.length > 0
        ? api.compareSessions({ select, groupBy, level, align: { method } })
        : Promise.resolve(null as CompareResult | null),
    [select, groupBy, level, method],
  )

  function toggle(f: GroupField) {
    setGroupBy(groupBy.includes(f) ? groupBy.filter((g) => g !== f) : [...groupBy, f])
  }

  return (
    <section aria-labelledby="compare-title">
      <header className="page-header">
        <h1 id="compare-title">Compare conditions</h1>
      </header>
      <form className="card grid" aria-label="Sessions to compare" onSubmit={(e) => e.preventDefault()}>
        <fieldset className="row">
          <legend>Sessions</legend>
          <label className="inline">
            <input
              type="radio"
              name="source"
              checked={source === 'plan'}
              onChange={() => setSource('plan')}
            />{' '}
            A plan’s runs
          </label>
          <label className="inline">
            <input
              type="radio"
              name="source"
              checked={source === 'search'}
              onChange={() => setSource('search')}
            />{' '}
            Sessions matching
          </label>
        </fieldset>
        {source === 'plan' ? (
          <label>
            Plan
            <select
              value={planId ?? ''}
              onChange={(e) => go('compare', e.target.value ? Number(e.target.value) : null)}
            >
              <option value="">(choose a plan)</option>
              {plans.state === 'ready' &&
                plans.data.map((p) => (
                  <option key={p.planId} value={p.planId}>
                    #{p.planId} {p.name} ({p.done}/{p.total} runs)
                  </option>
                ))}
            </select>
          </label>
        ) : (
          <label>
            Name, app, label or notes contain
            <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
          </label>
        )}
        <fieldset className="wide row">
          <legend>Group by</legend>
          {fields.map(([f, label]) => (
            <label key={f} className="inline">
              <input type="checkbox" checked={groupBy.includes(f)} onChange={() => toggle(f)} /> {label}
            </label>
          ))}
        </fieldset>
        <label>
          Level
          <select value={level} onChange={(e) => setLevel(e.target.value as LevelMeasure)}>
            {LEVEL_MEASURES.map((m) => (
              <option key={m} value={m} title={MEASURES[m].description}>
                {MEASURES[m].name('A')} of each interval ({MEASURE_FAMILIES[MEASURES[m].method]})
              </option>
            ))}
          </select>
        </label>
        <label>
          Windows
          <select value={method} onChange={(e) => setMethod(e.target.value as AlignMethod)}>
            {alignMethod.options.map((m) => (
              <option key={m} value={m}>
                {capitalised(ALIGN_METHOD_NAMES[m])}
              </option>
            ))}
          </select>
        </label>
        <label>
          Gain on the plot
          <select value={gain} onChange={(e) => setGain(e.target.value as (typeof gains)[number])}>
            {gains.map((g) => (
              <option key={g} value={g}>
                {g} gain
              </option>
            ))}
          </select>
        </label>
      </form>
      {groupBy.length === 0 && <ErrorState error="Choose at least one field to group the sessions by." />}
      {!select && groupBy.length > 0 && (
        <Empty>
          <p>
            {source === 'plan'
              ? 'Choose a plan.'
              : 'Type what the sessions’ name, app, label or notes contain.'}
          </p>
        </Empty>
      )}
      {select && result.state === 'loading' && <Loading what="the comparison" />}
      {result.state === 'error' && <ErrorState error={result.error} onRetry={reload} />}
      {result.state === 'ready' && result.data && (
        <>
          <CompareView result={result.data} gain={gain} onOpen={(id) => go('sessions', id)} />
          {select && (
            <div className="row">
              <FigureExportButton
                select={select}
                kinds={['grouped', 'scatter', 'timeseries']}
                groupBy={groupBy}
                align={{ method }}
              />
            </div>
          )}
        </>
      )}
    </section>
  )
}

function CompareView({
  result,
  gain,
  onOpen,
}: {
  result: CompareResult
  gain: (typeof gains)[number]
  onOpen: (sessionId: number) => void
}) {
  if (result.groups.length === 0)
    return (
      <ErrorState
        error={`None of the sessions can be correlated: ${result.skipped.map((s) => `session ${s.sessionId}: ${s.reason}`).join('; ')}`}
      />
    )
  return (
    <>
      <GroupScatter result={result} gain={gain} />
      <table className="stats" aria-label="Correlation per group">
        <thead>
          <tr>
            <th scope="col">Group</th>
            <th scope="col">Sessions</th>
            <th scope="col">n</th>
            <GainColumns />
          </tr>
        </thead>
        <tbody>
          {result.groups.map((g, i) => (
            <tr key={JSON.stringify(g.key)}>
              <td>
                <span className="swatch" style={{ background: groupColors[i % groupColors.length] }} />{' '}
                {keyText(g.key)}
              </td>
              <td>
                {g.sessions.map((id, k) => (
                  <span key={id}>
                    {k > 0 && ', '}
                    <button type="button" className="link" onClick={() => onOpen(id)}>
                      {id}
                    </button>
                  </span>
                ))}
              </td>
              <td>{g.n}</td>
              {gains.map((k) => (
                <td key={k}>{pearsonText(g.pearson[k])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <DifferencesTable
        label="Differences between groups"
        caption="Difference between two independent correlations (Fisher z, two-sided)"
        side="Group"
        rows={result.differences.map((d) => ({ ...d, a: keyText(d.a), b: keyText(d.b) }))}
      />
      {result.skipped.length > 0 && (
        <details>
          <summary>{result.skipped.length} session(s) left out</summary>
          <ul>
            {result.skipped.map((s) => (
              <li key={s.sessionId}>
                Session {s.sessionId}: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  )
}
