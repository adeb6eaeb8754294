import { useEffect, useRef } from 'react'
import { pages, useNav, type Page } from './nav'
import { ClassifierPage } from './pages/ClassifierPage'
import { ComparePage } from './pages/ComparePage'
import { ExperimentPage } from './pages/ExperimentPage'
import { PlansPage } from './pages/PlansPage'
import { SessionsPage } from './pages/SessionsPage'
import { SettingsPage } from './pages/SettingsPage'

const titles: Record<Page, string> = {
  experiment: 'Experiment',
  plans: 'Plans',
  compare: 'Compare',
  sessions: 'Sessions',
  classifier: 'Classifier',
  settings: 'Settings',
}

const views: Record<Page, () => React.JSX.Element> = {
  experiment: ExperimentPage,
  plans: PlansPage,
  compare: ComparePage,
  sessions: SessionsPage,
  classifier: ClassifierPage,
  settings: SettingsPage,
}

export function App() {
  const { page, go } = useNav()
  const main = useRef<HTMLElement>(null)
  const View = views[page]
  // Move focus to the new page so keyboard and screen-reader users land on its content.
  useEffect(() => main.current?.focus(), [page])
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <nav aria-label="Main">
        <div className="brand">MuteScope</div>
        <ul>
          {pages.map((p) => (
            <li key={p}>
              <a
                href={`#/${p}`}
                aria-current={p === page ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault()
                  go(p)
                }}
              >
                {titles[p]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        <View />
      </main>
    </div>
  )
}
