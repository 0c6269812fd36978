// A broker knows when the controller has fenced it: once no registration or heartbeat has been
// answered for a whole session, sessionLapsed() says so (the produce path then sends clients to
// another broker), and the next answered heartbeat clears it.
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/common/settings/index.js';
import { silentLogger } from '../../src/common/log.js';
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

describe('BrokerLifecycle.sessionLapsed', () => {
  it('is false while heartbeats are answered, true a session after they stop, false again once one is answered', async () => {
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
    expect(lifecycle.sessionLapsed()).toBe(false); // not registered yet: nothing to lapse
    await lifecycle.start(1000);
    await sleep(SESSION_MS * 2);
    expect(state.calls).toBeGreaterThan(2);
    expect(lifecycle.sessionLapsed()).toBe(false);

    state.up = false;
    await sleep(SESSION_MS / 2);
    expect(lifecycle.sessionLapsed()).toBe(false);
    await sleep(SESSION_MS * 2);
    expect(lifecycle.sessionLapsed()).toBe(true);

    state.up = true;
    await sleep(SESSION_MS);
    expect(lifecycle.sessionLapsed()).toBe(false);
  });
});
