// Replica placement: distinct brokers always, distinct racks while racks remain, leaders rotating
// over brokers and racks, and plain round-robin when no rack is set.
import { describe, expect, it } from 'vitest';
import {
  copysets,
  placeOnCopysets,
  placeReplicas,
  rackAlternated,
  type PlacementBroker,
} from '../../src/metadata/placement.js';

const brokers = (racks: (string | null)[]): PlacementBroker[] => racks.map((rack, i) => ({ nodeId: i + 1, rack }));

function placeAll(list: PlacementBroker[], partitions: number, factor: number): number[][] {
  const ordered = rackAlternated(list);
  return Array.from({ length: partitions }, (_, cursor) => placeReplicas(ordered, factor, cursor));
}

describe('replica placement', () => {
  it('interleaves brokers by rack', () => {
    const ordered = rackAlternated(brokers(['b', 'a', 'a', 'c', 'b']));
    expect(ordered.map((b) => b.nodeId)).toEqual([2, 1, 4, 3, 5]);
  });

  it('puts the replicas of every partition on distinct racks when there are enough', () => {
    const racks = ['r1', 'r1', 'r2', 'r2', 'r3', 'r3'];
    const list = brokers(racks);
    for (const replicas of placeAll(list, 60, 3)) {
      expect(new Set(replicas).size).toBe(3);
      expect(new Set(replicas.map((id) => racks[id - 1])).size).toBe(3);
    }
  });

  it('uses every rack before any rack gets a second replica', () => {
    const racks = ['a', 'a', 'a', 'b', 'c'];
    for (const replicas of placeAll(brokers(racks), 30, 4)) {
      expect(new Set(replicas).size).toBe(4);
      expect(new Set(replicas.map((id) => racks[id - 1]))).toEqual(new Set(['a', 'b', 'c']));
    }
  });

  it('spreads leaders evenly over brokers and racks', () => {
    const racks = ['a', 'a', 'b', 'b'];
    const leaders = placeAll(brokers(racks), 40, 2).map((r) => r[0]!);
    for (const id of [1, 2, 3, 4]) expect(leaders.filter((l) => l === id)).toHaveLength(10);
    // Consecutive partitions have leaders in different racks.
    for (let i = 1; i < leaders.length; i++) expect(racks[leaders[i]! - 1]).not.toBe(racks[leaders[i - 1]! - 1]);
  });

  it('is round-robin over the brokers as given when no rack is set', () => {
    expect(placeAll(brokers([null, null, null]), 4, 2)).toEqual([
      [1, 2],
      [2, 3],
      [3, 1],
      [1, 2],
    ]);
  });

  it('treats brokers without a rack as one rack of their own', () => {
    const racks = ['a', null, null];
    for (const replicas of placeAll(brokers(racks), 9, 2)) {
      expect(replicas.map((id) => racks[id - 1] ?? '-').sort()).toEqual(['-', 'a']);
    }
  });

  it('places more replicas than racks on distinct brokers', () => {
    for (const replicas of placeAll(brokers(['a', 'a', 'b', 'b', 'b']), 10, 5)) {
      expect([...replicas].sort()).toEqual([1, 2, 3, 4, 5]);
    }
  });
});

describe('copyset placement', () => {
  const racks = Array.from({ length: 30 }, (_, i) => `r${i % 3}`);
  const list = brokers(racks);
  const ordered = rackAlternated(list);
  const key = (ids: readonly number[]): string => [...ids].sort((a, b) => a - b).join(',');

  it('builds ceil(S / (R - 1)) permutations of N / R copysets, every broker in each', () => {
    const family = copysets(list, 3, 4);
    expect(family).toHaveLength(20);
    for (const set of family) expect(new Set(set).size).toBe(3);
    for (const b of list) expect(family.filter((s) => s.includes(b.nodeId))).toHaveLength(2);
  });

  it('puts every partition on a copyset with its leader first, in distinct racks, leaders rotating', () => {
    const family = copysets(list, 3, 2);
    const keys = new Set(family.map(key));
    const placed = Array.from({ length: 300 }, (_, cursor) => placeOnCopysets(family, ordered, cursor));
    for (const replicas of placed) {
      expect(keys.has(key(replicas))).toBe(true);
      expect(new Set(replicas.map((id) => racks[id - 1])).size).toBe(3);
    }
    // Ten copysets in all (fewer replica sets than the rack-aware policy's thirty).
    expect(new Set(placed.map(key)).size).toBe(10);
    const leaders = placed.map((r) => r[0]!);
    for (const b of list) expect(leaders.filter((l) => l === b.nodeId)).toHaveLength(10);
  });

  it('is the same family on every controller for the same brokers, whatever their order', () => {
    expect(copysets([...list].reverse(), 3, 4)).toEqual(copysets(list, 3, 4));
  });

  it('covers brokers left over when N is not a multiple of R', () => {
    const seven = brokers([null, null, null, null, null, null, null]);
    const family = copysets(seven, 3, 2);
    for (const b of seven) expect(family.some((s) => s.includes(b.nodeId))).toBe(true);
    for (const set of family) expect(new Set(set).size).toBe(3);
  });

  it('gives each broker its own copyset at replication factor 1', () => {
    expect(copysets(brokers([null, null]), 1, 2)).toEqual([[1], [2]]);
    expect(placeOnCopysets(copysets(brokers([null, null]), 1, 2), rackAlternated(brokers([null, null])), 1)).toEqual([
      2,
    ]);
  });
});
