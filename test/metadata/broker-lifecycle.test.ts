// A broker knows when the controller may have fenced it: once no registration or heartbeat has been
// answered for fenceableSilenceMs (the shortest silence after which the controller can fence it),
// mayBeFenced() says so (a leader that also hears no write quorum then sends clients to another
// broker), and the next answered heartbeat clears it.
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/common/settings/index.js';
import { silentLogger } from '../../src/common/log.js';
import { fenceableSilenceMs } from '../../src/metadata/broker-probe.js';
import { BrokerLifecycle, type ControlClient } from '../../src/metadata/control-client.js';

const SESSION_MS = 300;

/** A controller that answers while `up` is true and fails calls otherwise. */
function controller() {
  const state = { up: true, calls: 0 };
  const client = {
    async call(): Promise<unknown> {
      state.calls++;
      if (!state.up) throw new Error('unreachable');
      return {};
    },
  };
  return { state, client: client as unknown as ControlClient };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lifecycles: BrokerLifecycle[] = [];
afterEach(() => {
  for (const l of lifecycles.splice(0)) l.stop();
});

describe('BrokerLifecycle.mayBeFenced', () => {
  it('is false while heartbeats are answered, true once the controller could have fenced it, false again once one is answered', async () => {
    const config = parseConfig([
      '--node-id',
      '1',
      '--cluster-nodes',
      '1',
      '--broker-session-timeout-ms',
      String(SESSION_MS),
    ]);
    if (!config) throw new Error('no config');
    const { state, client } = controller();
    const lifecycle = new BrokerLifecycle(config, client, silentLogger);
    lifecycles.push(lifecycle);
    expect(lifecycle.mayBeFenced()).toBe(false); // not registered yet: nothing to lapse
    await lifecycle.start(1000);
    await sleep(SESSION_MS * 2);
    expect(state.calls).toBeGreaterThan(2);
    expect(lifecycle.mayBeFenced()).toBe(false);

    state.up = false;
    await sleep(SESSION_MS / 2);
    expect(lifecycle.mayBeFenced()).toBe(false);
    await sleep(SESSION_MS * 2);
    expect(lifecycle.mayBeFenced()).toBe(true);

    state.up = true;
    await sleep(SESSION_MS);
    expect(lifecycle.mayBeFenced()).toBe(false);
  });
});

describe('fenceableSilenceMs', () => {
  it('is the probe time (1.5 heartbeats + the probe timeout), at least half the session, at most the session', () => {
    // The default session, 1,000 ms: heartbeats every 200 ms, probed at 300 ms, fenced at 600 ms.
    expect(fenceableSilenceMs({ brokerSessionTimeoutMs: 1000 })).toBe(600);
    // A long session: the controller fences only once half of it has passed.
    expect(fenceableSilenceMs({ brokerSessionTimeoutMs: 10_000 })).toBe(5000);
    // A short one: the probe would take longer than the session, which then decides.
    expect(fenceableSilenceMs({ brokerSessionTimeoutMs: 300 })).toBe(300);
  });

  it('lets a broker with the default session take itself as possibly fenced before the session lapses', async () => {
    const config = parseConfig(['--node-id', '1', '--cluster-nodes', '1']);
    if (!config) throw new Error('no config');
    const { state, client } = controller();
    const lifecycle = new BrokerLifecycle(config, client, silentLogger);
    lifecycles.push(lifecycle);
    await lifecycle.start(1000);
    await sleep(500);
    state.up = false;
    await sleep(300); // silent for 300–500 ms (heartbeats every 200 ms)
    expect(lifecycle.mayBeFenced()).toBe(false);
    await sleep(500); // 800–1,000 ms: past 600 ms, within the session
    expect(lifecycle.mayBeFenced()).toBe(true);
  });
});
