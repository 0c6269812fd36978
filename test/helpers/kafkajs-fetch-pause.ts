// A vitest setup file: a guard around a busy loop in kafkajs 2.2.4's consumer. Each of its fetchers
// runs `while (isRunning) await fetch(node)`, and a fetch can come back empty at once, without any
// I/O, so the loop runs on microtasks alone and the test process's event loop never turns again.
// The event-loop watchdog caught it in test/chaos/transactions.test.ts (1 run in 5 on a busy
// 2-core machine):
//     at fetch (kafkajs/src/consumer/fetchManager.js:56:11)
//     at start (kafkajs/src/consumer/fetcher.js:55:31)
// and it is what kept CI running to its limit in stop 21 and killed a test process in stop 22.
// The way in: a killed broker leaves the metadata, a fetcher throws its rebalance error, and the
// fetch manager stops its fetchers and makes new ones; when the consumer is stopped meanwhile
// (consumer.stop() / disconnect() at a test's end), it stopped the old fetchers only, and the new
// ones ask the stopped runner, which answers [] at once, for ever.
// So a fetch asked of a runner that is not running stops the fetchers of its fetch manager (the
// current ones, without waiting: the caller is one of them), and any other empty fetch that
// returned within a millisecond or two is followed by a short pause, as a fetch that waits for
// data would take. A fetch that waited (a real empty answer) or returned batches is untouched.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

interface Runner {
  running: boolean;
  fetchManager: { stop: () => Promise<void> };
  fetch: (this: Runner, nodeId: number) => Promise<unknown[]>;
}

/** An empty fetch quicker than this did no I/O worth the name. */
const INSTANT_MS = 2;
const PAUSE_MS = 50;

const require = createRequire(import.meta.url);
const runnerPath = join(dirname(require.resolve('kafkajs')), 'src', 'consumer', 'runner.js');
const Runner = require(runnerPath) as { prototype: Runner & { brookFetchPause?: true } };

if (Runner.prototype.brookFetchPause !== true) {
  const fetch = Runner.prototype.fetch;
  Runner.prototype.fetch = async function guardedFetch(this: Runner, nodeId: number): Promise<unknown[]> {
    if (!this.running) {
      void this.fetchManager.stop();
      return [];
    }
    const started = performance.now();
    const batches = await fetch.call(this, nodeId);
    if (batches.length === 0 && performance.now() - started < INSTANT_MS) await sleep(PAUSE_MS);
    return batches;
  };
  Runner.prototype.brookFetchPause = true;
}
