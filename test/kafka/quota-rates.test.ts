// Quota rates and throttle times as Kafka computes them, over simulated time: the sampled rate,
// the throttle formula, and the property the design rests on — a client that waits out each
// throttle time it is given moves at its quota over a long run, while another client with its own
// quota is not slowed at all.
import { describe, expect, it } from 'vitest';
import { ClientQuotaStore } from '../../src/metadata/client-quotas.js';
import { QuotaEnforcer } from '../../src/kafka/quotas/quota-enforcer.js';
import { SampledRate } from '../../src/kafka/quotas/sampled-rate.js';

const windows = { quotaWindowNum: 11, quotaWindowSizeSeconds: 1 };

describe('the sampled rate', () => {
  it('measures over at least samples - 1 windows, so a first burst is not over-counted', () => {
    const rate = new SampledRate(11, 1000);
    rate.record(10_000, 0);
    expect(rate.windowSizeMs(500)).toBe(10_500);
    expect(rate.measure(500)).toBeCloseTo(10_000 / 10.5);
  });

  it('converges to the recorded rate, and forgets what is older than all its windows', () => {
    const rate = new SampledRate(11, 1000);
    for (let t = 0; t <= 30_000; t += 10) rate.record(100, t); // 10,000 per second
    expect(rate.measure(30_000)).toBeGreaterThan(9_000);
    expect(rate.measure(30_000)).toBeLessThan(10_500);
    expect(rate.measure(30_000 + 11_000)).toBe(0);
  });

  it('takes back a negative record', () => {
    const rate = new SampledRate(2, 1000);
    rate.record(500, 0);
    rate.record(-500, 0);
    expect(rate.measure(10)).toBe(0);
  });
});

describe('the quota enforcer', () => {
  function enforcer(byUser: Record<string, number>): QuotaEnforcer {
    const store = new ClientQuotaStore();
    for (const [user, bound] of Object.entries(byUser)) store.set({ user }, 'producer_byte_rate', bound);
    return new QuotaEnforcer(store, windows);
  }

  it('is idle, and throttles nobody, without quotas', () => {
    const quotas = new QuotaEnforcer(new ClientQuotaStore(), windows);
    expect(quotas.idle).toBe(true);
    expect(quotas.record('producer_byte_rate', 'alice', 'app', 1e9, 0)).toBe(0);
    expect(quotas.sensorCount).toBe(0);
  });

  it('gives the time that brings the rate back to the bound: (rate - bound) / bound × window', () => {
    const quotas = enforcer({ alice: 1000 });
    // A first 20,000 bytes are measured over 10 windows (samples - 1): 2,000/s, twice the bound.
    expect(quotas.record('producer_byte_rate', 'alice', 'app', 20_000, 0)).toBe(10_000);
    expect(quotas.record('producer_byte_rate', 'bob', 'app', 20_000, 0)).toBe(0);
    expect(quotas.maxValueInWindow('producer_byte_rate', 'alice', 'x')).toBe(10_000);
    expect(quotas.maxValueInWindow('producer_byte_rate', 'bob', 'x')).toBe(Number.POSITIVE_INFINITY);
  });

  it('holds a client that waits out its throttle times to its quota, and leaves another client alone', () => {
    const bound = 1_000_000;
    const quotas = enforcer({ alice: bound, bob: 100 * bound });
    const batchBytes = 64 * 1024;
    // Each client sends a batch, waits its throttle time (and 2 ms to send the next), for 120 s.
    const run = (user: string) => {
      let nowMs = 0;
      let sent = 0;
      let throttledMs = 0;
      while (nowMs < 120_000) {
        const throttleMs = quotas.record('producer_byte_rate', user, 'app', batchBytes, nowMs);
        sent += batchBytes;
        throttledMs += throttleMs;
        nowMs += 2 + throttleMs;
      }
      return { rate: sent / (nowMs / 1000), throttledMs };
    };
    const alice = run('alice');
    expect(alice.rate / bound).toBeGreaterThan(0.9);
    expect(alice.rate / bound).toBeLessThan(1.1);
    const bob = run('bob');
    expect(bob.throttledMs).toBe(0);
    expect(bob.rate).toBeGreaterThan(10 * bound);
  });

  it('follows a quota change at once, and keeps at most so many sensors', () => {
    const store = new ClientQuotaStore();
    store.set({ user: null }, 'producer_byte_rate', 1000);
    const quotas = new QuotaEnforcer(store, windows);
    expect(quotas.record('producer_byte_rate', 'u1', 'app', 21_000, 500)).toBeGreaterThan(0);
    store.set({ user: null }, 'producer_byte_rate', 1e9);
    expect(quotas.record('producer_byte_rate', 'u1', 'app', 1, 501)).toBe(0);
    for (let i = 0; i < 100; i++) quotas.record('producer_byte_rate', `user-${i}`, 'app', 1, 600);
    expect(quotas.sensorCount).toBe(101);
  });
});
