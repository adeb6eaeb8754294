import { describe, expect, it } from 'vitest'
import { EventHub } from '../../src/core/api/event-hub'

describe('the event hub', () => {
  it('gives a stream its own payloads, typed, and every transport all of them, in the order emitted', () => {
    const hub = new EventHub()
    const heard: string[] = []
    const offAll = hub.subscribe((name, payload) => {
      // Narrowing the name narrows the payload: no cast.
      if (name === 'sessionsChanged') heard.push(`all ${name} ${payload.change}`)
      else heard.push(`all ${name}`)
    })
    const offPlans = hub.on('planEvent', (e) => heard.push(`plan ${e.type === 'run' ? e.status : 'plan'}`))
    const offSessions = hub.on('sessionsChanged', (e) => heard.push(`session ${e.id} ${e.change}`))

    hub.emit('sessionsChanged', { id: 7, change: 'created' })
    hub.emit('planEvent', { type: 'run', planId: 1, run: 1, sessionId: 7, status: 'completed' })
    offSessions()
    hub.emit('sessionsChanged', { id: 7, change: 'deleted' })
    offAll()
    offPlans()
    hub.emit('planEvent', { type: 'run', planId: 1, run: 2, sessionId: null, status: 'failed' })

    expect(heard).toEqual([
      'all sessionsChanged created',
      'session 7 created',
      'all planEvent',
      'plan completed',
      'all sessionsChanged deleted',
    ])
  })
})
