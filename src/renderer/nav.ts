import { create } from 'zustand'

export const pages = ['experiment', 'plans', 'sessions', 'compare', 'classifier', 'settings'] as const
export type Page = (typeof pages)[number]

export interface Route {
  page: Page
  /** The open session on the Sessions page. */
  sessionId: number | null
  /** The open plan on the Plans page, or the plan whose runs the Compare page groups. */
  planId: number | null
}

const withPlan: readonly Page[] = ['plans', 'compare']

function parse(hash: string): Route {
  const [, page, idText] = hash.replace(/^#/, '').split('/')
  const known = (pages as readonly string[]).includes(page) ? (page as Page) : 'experiment'
  const n = Number(idText)
  const id = Number.isInteger(n) && n > 0 ? n : null
  return {
    page: known,
    sessionId: known === 'sessions' ? id : null,
    planId: withPlan.includes(known) ? id : null,
  }
}

function format(r: Route): string {
  const id = r.sessionId ?? r.planId
  return `#/${r.page}${id ? `/${id}` : ''}`
}

interface NavState extends Route {
  /** `id` is the session (Sessions page) or plan (Plans, Compare) to open. */
  go(page: Page, id?: number | null): void
}

/** Hash-based navigation, so reloads and the back button keep the page in both Electron and the browser. */
export const useNav = create<NavState>((set) => {
  window.addEventListener('hashchange', () => set(parse(location.hash)))
  return {
    ...parse(location.hash),
    go(page, id = null) {
      const route = {
        page,
        sessionId: page === 'sessions' ? id : null,
        planId: withPlan.includes(page) ? id : null,
      }
      if (location.hash !== format(route)) location.hash = format(route)
      set(route)
    },
  }
})
