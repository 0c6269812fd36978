// The delay before a failed authentication is answered: the base delay, doubled for each further
// failure of the same address within a minute, capped; other addresses and old failures are not
// held against a client, and the memory of addresses is bounded.
import { describe, expect, it } from 'vitest';
import { limits } from '../../../src/common/limits.js';
import { FailureDelays } from '../../../src/kafka/sasl/failure-delays.js';

describe('failure delays', () => {
  it('double per recent failure of one address, up to the cap', () => {
    let now = 0;
    const delays = new FailureDelays(100, () => now);
    const seen = Array.from({ length: 8 }, () => {
      now += 10;
      return delays.failed('10.0.0.1');
    });
    expect(seen).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(limits.authenticationFailureDelayMsMax).toBe(5000);
    expect(delays.failed('10.0.0.2')).toBe(100);
  });

  it('forget failures older than the memory window', () => {
    let now = 0;
    const delays = new FailureDelays(100, () => now);
    delays.failed('a');
    delays.failed('a');
    now += limits.authenticationFailureMemoryMs + 1;
    expect(delays.failed('a')).toBe(100);
  });

  it('are zero with a zero base, and remember a bounded number of addresses', () => {
    let now = 0;
    const delays = new FailureDelays(100, () => now);
    delays.failed('first');
    for (let i = 0; i < limits.authenticationFailureAddressesMax; i++) delays.failed(`x${i}`);
    now += 1;
    expect(delays.failed('first')).toBe(100); // forgotten: the oldest went first
    expect(new FailureDelays(0).failed('a')).toBe(0);
  });
});
