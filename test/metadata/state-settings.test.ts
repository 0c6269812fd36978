// The metadata state parses a topic's committed configs once, when it applies the record, into the
// typed settings storage and replication read. A config committed by an older Brook that today's
// rules refuse is left out (the broker value applies) and reported, on every node alike; a
// snapshot keeps the records' view, and a restore parses again.
import { describe, expect, it } from 'vitest';
import { MetadataState } from '../../src/metadata/state.js';

const partitions = [{ partition: 0, replicas: [1], leader: 1, leaderEpoch: 0 }];

function stateWith(configs: Record<string, string>): MetadataState {
  const state = new MetadataState();
  state.apply({ type: 'CreateTopic', name: 't', topicId: 'id-t', configs, partitions });
  return state;
}

describe('topic settings in the metadata state', () => {
  it('are parsed when the topic is created and when its configs are altered', () => {
    const state = stateWith({ 'retention.ms': '1000', 'cleanup.policy': 'compact' });
    expect(state.topic('t')?.settings).toEqual({ retentionMs: 1000, cleanupPolicy: ['compact'] });
    const change = state.apply({ type: 'AlterTopicConfig', topicId: 'id-t', configs: { 'segment.bytes': '4096' } });
    expect(change?.kind).toBe('config-changed');
    expect(state.topic('t')?.settings).toEqual({ segmentBytes: 4096 });
    // A partition change keeps them.
    state.apply({ type: 'PartitionChange', topicId: 'id-t', partition: 0, leader: 1, leaderEpoch: 1 });
    expect(state.topic('t')?.settings).toEqual({ segmentBytes: 4096 });
  });

  it('leave out and report a committed config that is refused now, instead of failing', () => {
    const state = stateWith({ 'segment.bytes': '3000000000', 'retention.ms': '1000' });
    const topic = state.topic('t')!;
    expect(topic.settings).toEqual({ retentionMs: 1000 });
    expect(topic.configs).toEqual({ 'segment.bytes': '3000000000', 'retention.ms': '1000' });
    expect(topic.rejectedConfigs).toEqual([expect.stringMatching(/segment\.bytes=3000000000/)]);
  });

  it('stay out of snapshots and are parsed again on restore', () => {
    const state = stateWith({ 'flush.messages': '10' });
    const snapshot = JSON.parse(JSON.stringify(state.snapshot())) as ReturnType<MetadataState['snapshot']>;
    expect(Object.keys(snapshot.topics[0]!).sort()).toEqual(['configs', 'name', 'partitions', 'topicId']);
    const restored = new MetadataState();
    restored.restore(snapshot);
    expect(restored.topic('t')?.settings).toEqual({ flushMessages: 10 });
    expect(restored.topicById('id-t')?.rejectedConfigs).toEqual([]);
  });
});
