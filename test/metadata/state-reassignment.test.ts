// ReassignPartition and DecommissionBroker as MetadataState applies them: a target, a cancel, a
// reorder that applies at once, the PartitionChange that completes a move, and snapshots.
import { describe, expect, it } from 'vitest';
import {
  addingReplicas,
  hostingReplicas,
  type MetadataRecord,
  MetadataState,
  removingReplicas,
} from '../../src/metadata/index.js';

function stateWithTopic(): MetadataState {
  const state = new MetadataState();
  for (const nodeId of [1, 2, 3, 4, 5]) {
    state.apply({ type: 'RegisterBroker', nodeId, host: 'h', port: 9092, rack: null, incarnation: 'a' });
  }
  state.apply({
    type: 'CreateTopic',
    name: 't',
    topicId: 'tid',
    configs: {},
    partitions: [{ partition: 0, replicas: [1, 2, 3], leader: 1, leaderEpoch: 0 }],
  });
  return state;
}

const reassign = (targetReplicas: number[] | null): MetadataRecord => ({
  type: 'ReassignPartition',
  topicId: 'tid',
  partition: 0,
  targetReplicas,
});

describe('reassignment in the metadata state', () => {
  it('records a target; the replicas stay until a PartitionChange with new replicas completes it', () => {
    const state = stateWithTopic();
    expect(state.apply(reassign([4, 2, 5]))).toMatchObject({ kind: 'partitions-changed', partitions: [0] });
    const p = state.topic('t')!.partitions[0]!;
    expect(p.replicas).toEqual([1, 2, 3]);
    expect(addingReplicas(p)).toEqual([4, 5]);
    expect(removingReplicas(p)).toEqual([1, 3]);
    expect(hostingReplicas(p)).toEqual([1, 2, 3, 4, 5]);
    // A failover keeps the move going.
    state.apply({ type: 'PartitionChange', topicId: 'tid', partition: 0, leader: 2, leaderEpoch: 1 });
    expect(state.topic('t')!.partitions[0]!.targetReplicas).toEqual([4, 2, 5]);
    // The switch completes it.
    state.apply({
      type: 'PartitionChange',
      topicId: 'tid',
      partition: 0,
      leader: 4,
      leaderEpoch: 2,
      replicas: [4, 2, 5],
    });
    const done = state.topic('t')!.partitions[0]!;
    expect(done).toEqual({ partition: 0, replicas: [4, 2, 5], leader: 4, leaderEpoch: 2 });
  });

  it('cancels, and reorders the same replicas at once', () => {
    const state = stateWithTopic();
    state.apply(reassign([4, 2, 3]));
    state.apply(reassign(null));
    expect(state.topic('t')!.partitions[0]).toEqual({ partition: 0, replicas: [1, 2, 3], leader: 1, leaderEpoch: 0 });
    state.apply(reassign([3, 1, 2]));
    expect(state.topic('t')!.partitions[0]).toEqual({ partition: 0, replicas: [3, 1, 2], leader: 1, leaderEpoch: 0 });
    expect(state.apply(reassign([4, 4, 1]))).toMatchObject({ kind: 'ignored' });
  });

  it('keeps a target and a decommission through a snapshot and a re-registration', () => {
    const state = stateWithTopic();
    state.apply(reassign([4, 2, 3]));
    state.apply({ type: 'DecommissionBroker', nodeId: 5 });
    state.apply({ type: 'RegisterBroker', nodeId: 5, host: 'h', port: 9092, rack: null, incarnation: 'b' });
    expect(state.broker(5)?.decommissioned).toBe(true);
    const restored = new MetadataState();
    restored.restore(JSON.parse(JSON.stringify(state.snapshot())) as ReturnType<MetadataState['snapshot']>);
    expect(restored.topic('t')!.partitions[0]!.targetReplicas).toEqual([4, 2, 3]);
    expect(restored.broker(5)?.decommissioned).toBe(true);
    expect(restored.broker(4)?.decommissioned).toBeUndefined();
    expect(state.apply({ type: 'DecommissionBroker', nodeId: 9 })).toMatchObject({ kind: 'ignored' });
  });
});
