// The controller's view of broker silence after it takes over: every broker gets a full session
// from the election, except the controller it took over from, whose silence began when it last
// answered this node (a killed controller is fenced on the successor's election, not a session later).
import { describe, expect, it } from 'vitest';
import type { ControllerChangeListener, MetadataLog } from '../../src/metadata/log.js';
import { BrokerHeartbeats } from '../../src/metadata/broker-heartbeats.js';

const SESSION_MS = 600;

/** Just the controller-change notifications BrokerHeartbeats listens to. */
function controllerChanges(): { log: MetadataLog; change: ControllerChangeListener } {
  const listeners: ControllerChangeListener[] = [];
  const log = { onControllerChange: (l: ControllerChangeListener) => listeners.push(l) } as unknown as MetadataLog;
  return { log, change: (isController, id) => listeners.forEach((l) => l(isController, id)) };
}

describe('BrokerHeartbeats after an election', () => {
  it("dates an unreachable previous controller's silence from its last answer, the others' from the election", () => {
    const { log, change } = controllerChanges();
    const answeredAtMs = Date.now() - 5_000;
    const heartbeats = new BrokerHeartbeats({ nodeId: 2, brokerSessionTimeoutMs: SESSION_MS }, log, () => answeredAtMs);
    change(false, 1); // following controller 1
    change(true, 2); // 1 went silent; this node took over
    // Until a probe finds it unreachable it may be alive, merely deposed: a full session.
    expect(heartbeats.silentSinceMs(1)).toBeGreaterThan(answeredAtMs + 4_000);
    heartbeats.unreachable(3);
    expect(heartbeats.silentSinceMs(1)).toBeGreaterThan(answeredAtMs + 4_000);
    heartbeats.unreachable(1);
    expect(heartbeats.silentSinceMs(1)).toBe(answeredAtMs);
    expect(heartbeats.silentSinceMs(3)).toBeGreaterThan(answeredAtMs + 4_000);
    heartbeats.heard(1);
    expect(heartbeats.silentSinceMs(1)).toBeGreaterThan(answeredAtMs + 4_000);
  });

  it('gives everyone a full session again after this controller stalled', () => {
    const { log, change } = controllerChanges();
    const answeredAtMs = Date.now() - 5_000;
    const heartbeats = new BrokerHeartbeats({ nodeId: 2, brokerSessionTimeoutMs: SESSION_MS }, log, () => answeredAtMs);
    change(false, 1);
    change(true, 2);
    heartbeats.unreachable(1);
    heartbeats.restartSessions();
    expect(heartbeats.silentSinceMs(1)).toBeGreaterThan(answeredAtMs + 4_000);
  });

  it('without a controller followed before (or never answered), dates every silence from the election', () => {
    const { log, change } = controllerChanges();
    const heartbeats = new BrokerHeartbeats({ nodeId: 2, brokerSessionTimeoutMs: SESSION_MS }, log, () => 0);
    const before = Date.now();
    change(false, 1);
    change(true, 2);
    expect(heartbeats.silentSinceMs(1)).toBeGreaterThanOrEqual(before);
  });
});
