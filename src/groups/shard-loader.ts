// Replaying one __consumer_offsets partition into what a coordinator shard starts from: the last
// metadata of every group, each group's committed offsets, and the offsets of transactions still
// open at the end of the log. A COMMIT marker met on the way materializes its producer's offsets
// written before it; an ABORT drops them (Kafka's GroupMetadataManager.loadGroupsAndOffsets).
import type { CoordinatorLog } from './coordinator-log.js';
import { type CommittedOffset, offsetKey } from './group.js';
import type { GroupMetadataValue } from './records.js';
import { materialize, TxnOffsetStore } from './txn-offsets.js';

export interface LoadedShard {
  readonly groupValues: Map<string, GroupMetadataValue | null>;
  readonly offsets: Map<string, Map<string, CommittedOffset>>;
  readonly txnOffsets: TxnOffsetStore;
}

export async function loadShard(log: CoordinatorLog): Promise<LoadedShard> {
  const groupValues = new Map<string, GroupMetadataValue | null>();
  const offsets = new Map<string, Map<string, CommittedOffset>>();
  const txnOffsets = new TxnOffsetStore();
  const offsetsOf = (groupId: string): Map<string, CommittedOffset> => {
    let group = offsets.get(groupId);
    if (!group) offsets.set(groupId, (group = new Map<string, CommittedOffset>()));
    return group;
  };
  await log.replay((entry) => {
    if (entry.kind === 'marker') {
      const ended = txnOffsets.complete(entry.producerId, entry.offset, entry.committed);
      if (entry.committed) for (const [groupId, list] of ended) materialize(offsetsOf(groupId), list);
      return;
    }
    const { record } = entry;
    if (record.kind === 'group') {
      groupValues.set(record.groupId, record.value);
      return;
    }
    if (entry.producerId !== null) {
      // TxnOffsetCommit writes no tombstones; a transactional one would mean nothing here.
      // In log order every record comes before its marker, so it is always pending here.
      if (record.value !== null) {
        txnOffsets.add(entry.producerId, record.groupId, {
          ...record.value,
          topic: record.topic,
          partition: record.partition,
          logOffset: entry.offset,
        });
      }
      return;
    }
    const group = offsetsOf(record.groupId);
    const key = offsetKey(record.topic, record.partition);
    if (record.value === null) group.delete(key);
    else group.set(key, { ...record.value, topic: record.topic, partition: record.partition, logOffset: entry.offset });
  });
  return { groupValues, offsets, txnOffsets };
}
