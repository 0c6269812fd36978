// The watchdogs of the test suite (test/helpers/event-loop-watchdog.ts and stall-watchdog.ts): a
// test whose event loop never turns again outlives vitest's own timeouts. Run on a fixture suite
// (test/fixtures/stall) with short limits: the stuck file's stack is printed with the function that
// spins, its process is killed, the run fails, and the next file still runs; after the run's
// summary, the watchdogs' reports are printed again, where a CI log's tail shows them.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function runFixtureSuite(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/fixtures/stall/vitest.config.ts'],
      {
        cwd: ROOT,
        // Its own report directory: this run's reporter does not print the fixture's reports.
        env: {
          ...process.env,
          BROOK_WATCHDOG_DIR: undefined,
          BROOK_BLOCKED_REPORT_MS: '3000',
          BROOK_BLOCKED_KILL_MS: '6000',
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the event-loop watchdog', () => {
  it('prints the stack of a test that never yields, kills its process, and the run goes on and fails', async () => {
    const { code, output } = await runFixtureSuite();
    expect(output).toMatch(/event-loop watchdog: the event loop of .*stuck\.stall\.ts has not turned for \d+ s/);
    expect(output).toMatch(/at spinForever \(.*stuck\.stall\.ts:\d+:\d+\)/);
    expect(output).toMatch(/killing the test process of .*stuck\.stall\.ts/);
    expect(output).toMatch(/✓ after\.stall\.ts/);
    const again = output.slice(output.lastIndexOf('Test Files'));
    expect(again).toMatch(/watchdogs of this run, again:\n/);
    expect(again).toMatch(/the event loop of .*stuck\.stall\.ts has not turned for \d+ s/);
    expect(again).toMatch(/at spinForever \(.*stuck\.stall\.ts:\d+:\d+\)/);
    expect(code).not.toBe(0);
  }, 60_000);
});
