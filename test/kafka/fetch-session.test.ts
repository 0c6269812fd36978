// The fetch session cache's rules (KIP-227, Kafka's FetchSessionCache for consumer sessions), with
// the time passed in: slots, eviction of a stale session before a smaller old one, epochs.
import { describe, expect, it } from 'vitest';
import {
  FETCH_SESSION_EVICTION_MS,
  FetchSessionCache,
  nextSessionEpoch,
} from '../../src/kafka/handlers/fetch-session.js';

const request = { fetchOffset: 0, partitionMaxBytes: 1024, currentLeaderEpoch: -1 };

function sessionOf(cache: FetchSessionCache, nowMs: number, partitions: number) {
  const session = cache.create(nowMs, partitions);
  if (session === null) return null;
  session.update(
    Array.from({ length: partitions }, (_, partition) => ({ topic: 't', partition, request })),
    [],
  );
  return session;
}

describe('FetchSessionCache', () => {
  it('keeps no session with 0 slots', () => {
    expect(new FetchSessionCache(0).create(0, 5)).toBeNull();
  });

  it('refuses a new session when full of young sessions', () => {
    const cache = new FetchSessionCache(2);
    expect(sessionOf(cache, 0, 1)).not.toBeNull();
    expect(sessionOf(cache, 0, 1)).not.toBeNull();
    expect(cache.create(1000, 100)).toBeNull();
    expect(cache.count).toBe(2);
  });

  it('evicts the least recently used session once it was unused for the eviction time', () => {
    const cache = new FetchSessionCache(2);
    const a = sessionOf(cache, 0, 50)!;
    const b = sessionOf(cache, 0, 50)!;
    cache.touch(a, 10);
    const c = cache.create(FETCH_SESSION_EVICTION_MS + 5, 1);
    expect(c).not.toBeNull();
    expect(cache.get(b.id)).toBeUndefined();
    expect(cache.get(a.id)).toBe(a);
    expect(cache.evicted).toBe(1);
  });

  it('otherwise evicts the smallest session older than the eviction time, for a larger new one only', () => {
    const cache = new FetchSessionCache(2);
    const small = sessionOf(cache, 0, 3)!;
    const large = sessionOf(cache, 0, 30)!;
    const nowMs = FETCH_SESSION_EVICTION_MS + 100;
    cache.touch(small, nowMs - 1);
    cache.touch(large, nowMs - 1);
    expect(cache.create(nowMs, 3)).toBeNull();
    const bigger = cache.create(nowMs, 4);
    expect(bigger).not.toBeNull();
    expect(cache.get(small.id)).toBeUndefined();
    expect(cache.get(large.id)).toBe(large);
  });

  it('answers a partition again after an error, and moves answered partitions to the end', () => {
    const cache = new FetchSessionCache(1);
    const session = sessionOf(cache, 0, 3)!;
    const parts = [...session.partitions.values()];
    const quiet = { errorCode: 0, highWatermark: 5, lastStableOffset: 5, logStartOffset: 0, recordsBytes: 0 };
    for (const part of parts) expect(session.mustAnswer(part, quiet)).toBe(true);
    expect(session.mustAnswer(parts[0]!, quiet)).toBe(false);
    expect(session.mustAnswer(parts[0]!, { ...quiet, errorCode: 6 })).toBe(true);
    expect(session.mustAnswer(parts[0]!, quiet)).toBe(true);
    expect(session.mustAnswer(parts[1]!, { ...quiet, recordsBytes: 100 })).toBe(true);
    expect(session.mustAnswer(parts[2]!, { ...quiet, logStartOffset: 1 })).toBe(true);
    expect([...session.partitions.values()].map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(session.mustAnswer(parts[0]!, { ...quiet, recordsBytes: 1 })).toBe(true);
    expect([...session.partitions.values()].map((p) => p.partition)).toEqual([1, 2, 0]);
  });

  it('counts epochs from 1 and wraps past 2^31-1 to 1', () => {
    expect(nextSessionEpoch(0)).toBe(1);
    expect(nextSessionEpoch(0x7fffffff)).toBe(1);
    expect(() => nextSessionEpoch(-1)).toThrow();
  });
});

describe('FetchSessionCache partition bound', () => {
  it('makes room by the same rules when the sessions would hold too many partitions', () => {
    const cache = new FetchSessionCache(10, FETCH_SESSION_EVICTION_MS, 100);
    const a = sessionOf(cache, 0, 60)!;
    expect(cache.create(1, 50)).toBeNull();
    expect(cache.create(1, 101)).toBeNull();
    const b = cache.create(FETCH_SESSION_EVICTION_MS + 1, 50);
    expect(b).not.toBeNull();
    expect(cache.get(a.id)).toBeUndefined();
  });
});
