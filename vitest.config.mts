import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests share PulseAudio, Frida and two cores; files run one at a time to keep them honest.
    fileParallelism: false,
    pool: 'forks',
  },
})
