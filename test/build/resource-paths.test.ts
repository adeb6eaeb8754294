import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resourceDir, resourcePath } from '../../src/core/paths'
import { repoRoot } from '../support/helpers'

describe('resource paths (src/core/paths.ts)', () => {
  it('point into app.asar.unpacked in a packaged app, where other programs can open them', () => {
    expect(resourceDir('/opt/MuteScope/resources/app.asar')).toBe(
      '/opt/MuteScope/resources/app.asar.unpacked/resources',
    )
  })

  it('stay inside the app folder of an app packaged without asar', () => {
    expect(resourceDir('/opt/MuteScope/resources/app')).toBe('/opt/MuteScope/resources/app/resources')
    expect(resourceDir('/home/me/myapp.asar')).toBe('/home/me/myapp.asar/resources')
  })

  it('are the repository resources/ in development, holding what Python and ffmpeg open', () => {
    expect(resourcePath('frida-bridge.py')).toBe(join(repoRoot, 'resources', 'frida-bridge.py'))
    for (const file of [resourcePath('frida-bridge.py'), resourcePath('demo', 'demo-episode.opus')])
      expect(existsSync(file)).toBe(true)
  })
})
