import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration suites start real node processes on fixed-free ports; run files one at a time
    // on these 2-core machines so timing-sensitive tests are not starved.
    fileParallelism: false,
    testTimeout: 60_000,
    // expect.poll waits for what real processes and a real browser show: a second (the default) is
    // shorter than a busy 2-core machine's pauses; a poll still fails when the value never comes.
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 120_000,
    // A test process whose event loop never turns again outlives every vitest timeout: a watchdog
    // thread prints its stack and ends it; a file that hangs otherwise is ended by the reporter.
    // kafkajs's consumer can spin on fetches that return at once (test/helpers/kafkajs-fetch-pause.ts).
    setupFiles: ['./test/helpers/event-loop-watchdog.ts', './test/helpers/kafkajs-fetch-pause.ts'],
    reporters: ['default', './test/helpers/stall-watchdog.ts'],
  },
});
