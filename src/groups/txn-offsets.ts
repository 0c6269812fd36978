// Offsets committed inside transactions (TxnOffsetCommit, KIP-98/447), for the groups of one
// __consumer_offsets partition. They are in the log as transactional records of their producer
// but belong to no group until that producer's COMMIT marker lands on the partition; an ABORT
// drops them. Which offset wins is Kafka's rule: the one whose record is later in the log, so a
// plain commit written after a transactional one for the same partition survives that
// transaction's commit.
import { limits } from '../common/index.js';
import { type CommittedOffset, offsetKey } from './group.js';

/** One transaction's offsets of one group, by partition key. */
type GroupOffsets = Map<string, CommittedOffset>;

/** Where a transactional offset stands once its record is durable. */
export type TxnOffsetFate = 'pending' | 'committed' | 'aborted';

export class TxnOffsetStore {
  /** producer id -> group id -> offsets written in its open transaction. */
  private readonly byProducer = new Map<number, Map<string, GroupOffsets>>();
  /**
   * The last marker seen per producer. A write acknowledged after its transaction's marker was
   * applied (the coordinator aborted it on a timeout meanwhile) takes that marker's outcome instead
   * of waiting for the next transaction's. Bounded; the least recently ended producer goes first.
   */
  private readonly lastMarker = new Map<number, { readonly offset: number; readonly committed: boolean }>();

  get producerCount(): number {
    return this.byProducer.size;
  }

  /**
   * A transactional offset record of `producerId` is in the log (durable): pending, or already
   * ended by a marker after it (then the caller applies it on 'committed' and drops it otherwise).
   */
  add(producerId: number, groupId: string, offset: CommittedOffset): TxnOffsetFate {
    const marker = this.lastMarker.get(producerId);
    if (marker && marker.offset > offset.logOffset) return marker.committed ? 'committed' : 'aborted';
    let groups = this.byProducer.get(producerId);
    if (!groups) this.byProducer.set(producerId, (groups = new Map<string, GroupOffsets>()));
    let offsets = groups.get(groupId);
    if (!offsets) groups.set(groupId, (offsets = new Map<string, CommittedOffset>()));
    const key = offsetKey(offset.topic, offset.partition);
    const previous = offsets.get(key);
    if (!previous || previous.logOffset < offset.logOffset) offsets.set(key, offset);
    return 'pending';
  }

  /** Whether some open transaction holds an offset of this group for this partition (or any, without one). */
  hasPending(groupId: string, topic?: string, partition?: number): boolean {
    for (const groups of this.byProducer.values()) {
      const offsets = groups.get(groupId);
      if (!offsets || offsets.size === 0) continue;
      if (topic === undefined || partition === undefined || offsets.has(offsetKey(topic, partition))) return true;
    }
    return false;
  }

  /** Group ids with offsets in some open transaction. */
  groupIds(): Set<string> {
    const ids = new Set<string>();
    for (const groups of this.byProducer.values()) for (const id of groups.keys()) ids.add(id);
    return ids;
  }

  /**
   * The producer's marker at `markerOffset` ends its transaction: removes the offsets it wrote
   * before the marker and returns them by group (the caller applies them on a COMMIT). Offsets it
   * wrote after the marker belong to its next transaction and stay.
   */
  complete(producerId: number, markerOffset: number, committed: boolean): Map<string, CommittedOffset[]> {
    const previous = this.lastMarker.get(producerId);
    if (!previous || previous.offset < markerOffset) {
      this.lastMarker.delete(producerId);
      this.lastMarker.set(producerId, { offset: markerOffset, committed });
      if (this.lastMarker.size > limits.producersPerPartitionMax) {
        const oldest = this.lastMarker.keys().next();
        if (oldest.done !== true) this.lastMarker.delete(oldest.value);
      }
    }
    const ended = new Map<string, CommittedOffset[]>();
    const groups = this.byProducer.get(producerId);
    if (!groups) return ended;
    for (const [groupId, offsets] of groups) {
      const done: CommittedOffset[] = [];
      for (const [key, offset] of offsets) {
        if (offset.logOffset >= markerOffset) continue;
        done.push(offset);
        offsets.delete(key);
      }
      if (done.length > 0) ended.set(groupId, done);
      if (offsets.size === 0) groups.delete(groupId);
    }
    if (groups.size === 0) this.byProducer.delete(producerId);
    return ended;
  }
}

/** Applies a committed transaction's offsets to a group's: the later record in the log wins. */
export function materialize(committed: Map<string, CommittedOffset>, offsets: readonly CommittedOffset[]): void {
  for (const offset of offsets) {
    const key = offsetKey(offset.topic, offset.partition);
    const current = committed.get(key);
    if (!current || current.logOffset < offset.logOffset) committed.set(key, offset);
  }
}
