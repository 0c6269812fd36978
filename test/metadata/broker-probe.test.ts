// The controller's probe of a silent broker: alive, refused, no answer while this process ran on
// time (the host is gone: the controller fences at once) or a timer that ran late (a stall here
// proves nothing about the broker).
import { createServer, Socket, type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { PROBE_TIMEOUT_MS, probeBroker } from '../../src/metadata/broker-probe.js';

const at = (address: string) => ({ address: () => address });
/** A socket that never connects nor fails: a host that dropped off the network. */
const blackHole = (): Socket => new Socket();

const server = createServer((s) => s.destroy());
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('probeBroker', () => {
  it('finds a listening broker alive and a closed port refused', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    expect(await probeBroker(at(`127.0.0.1:${port}`), 1)).toBe('alive');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await probeBroker(at(`127.0.0.1:${closedPort}`), 1)).toBe('refused');
  });

  it('reports no answer as a timeout when this process ran on time', async () => {
    // On a loaded machine one probe's timer may itself run late ('late'); one of a few runs on time.
    const results: string[] = [];
    for (let i = 0; i < 5 && !results.includes('timeout'); i++) {
      const startedAt = Date.now();
      results.push(await probeBroker(at('127.0.0.1:1'), 1, blackHole));
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(PROBE_TIMEOUT_MS - 5);
    }
    expect(results).toContain('timeout');
    for (const r of results) expect(['timeout', 'late']).toContain(r);
  });

  it('reports a probe whose own timer ran late as late, not as a broker that is gone', async () => {
    const probe = probeBroker(at('127.0.0.1:1'), 1, blackHole);
    // This process stalls past the probe's timeout: an answer could have been waiting unread.
    const until = Date.now() + PROBE_TIMEOUT_MS + 200;
    while (Date.now() < until) {
      // busy: the event loop does not run
    }
    expect(await probe).toBe('late');
  });
});
