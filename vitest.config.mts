import { defineConfig } from 'vitest/config'

/**
 * Lanes, which `npm test` (scripts/test-lanes.mjs) runs as two vitest processes side by side, each one file at
 * a time, then the files that need the machine to themselves; a bare `vitest run` runs every file in turn.
 * - "pulseaudio": files that use this machine's PulseAudio (its shared virtual microphone, experiments that
 *   play into it, the mic tests that set it up and tear it down): two at once would claim the same devices.
 * - "other": capture, egress, Wine, classifier, store, UI.
 * - "alone", after both: the Chromium capture attaches by name to every Chromium process on the machine, so
 *   no other test's browser may be running then.
 */
const pulseLane = [
  'test/audio/**/*.test.ts',
  'test/episodes/**/*.test.ts',
  'test/experiment/**/*.test.ts',
  'test/mic/mic-access.test.ts',
  'test/mic/pipewire.test.ts',
  'test/mic/portaudio.test.ts',
  'test/wine/mic.test.ts',
  'test/e2e/experiment.e2e.test.ts',
  'test/e2e/mic-access.e2e.test.ts',
  'test/e2e/plans-compare.e2e.test.ts',
  'test/e2e/usability.e2e.test.ts',
  'test/lab/multi-device.test.ts',
  'test/e2e/lab-playback.e2e.test.ts',
  'test/telemetry/refvca.test.ts',
  'test/web/serve-cli.test.ts',
]
const alone = ['test/capture/chromium.test.ts']

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'pulseaudio', include: pulseLane, fileParallelism: false },
      },
      {
        extends: true,
        test: {
          name: 'other',
          include: ['test/**/*.test.ts'],
          exclude: [...pulseLane, ...alone, 'node_modules/**'],
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: { name: 'alone', include: alone, fileParallelism: false },
      },
    ],
  },
})
