import { create } from 'zustand'

export const pages = ['experiment', 'sessions', 'classifier', 'settings'] as const
export type Page = (typeof pages)[number]

export interface Route {
  page: Page
  /** The open session on the Sessions page. */
  sessionId: number | null
}

function parse(hash: string): Route {
  const [, page, id] = hash.replace(/^#/, '').split('/')
  const known = (pages as readonly string[]).includes(page) ? (page as Page) : 'experiment'
  const n = Number(id)
  return { page: known, sessionId: known === 'sessions' && Number.isInteger(n) && n > 0 ? n : null }
}

function format(r: Route): string {
  return `#/${r.page}${r.sessionId ? `/${r.sessionId}` : ''}`
}

interface NavState extends Route {
  go(page: Page, sessionId?: number | null): void
}

/** Hash-based navigation, so reloads and the back button keep the page in both Electron and the browser. */
export const useNav = create<NavState>((set) => {
  window.addEventListener('hashchange', () => set(parse(location.hash)))
  return {
    ...parse(location.hash),
    go(page, sessionId = null) {
      const route = { page, sessionId }
      if (location.hash !== format(route)) location.hash = format(route)
      set(route)
    },
  }
})
