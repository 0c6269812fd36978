// Replica placement: distinct brokers always, distinct racks while racks remain, leaders rotating
// over brokers and racks, and plain round-robin when no rack is set.
import { describe, expect, it } from 'vitest';
import { placeReplicas, rackAlternated, type PlacementBroker } from '../../src/metadata/placement.js';

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
