// The metadata in the simulation. Raft is modelled as what it provides here: a linearizable log of
// committed records (the register), appended to only by the controller. Every node keeps its own
// copy — a prefix of the register, applied in order to a real MetadataState — which learns new
// records by push and by polling, with network delays, so nodes act on PartitionChanges late and
// at different times, as they do over Raft. A restarted node replays the prefix it had (its Raft
// log is durable) and catches up from there.
import type { MetadataListener } from '../../../src/metadata/log.js';
import type { MetadataRecord } from '../../../src/metadata/records.js';
import { type MetadataChange, MetadataState } from '../../../src/metadata/state.js';
import type { ReplicaMetadata } from '../../../src/replication/replica-network.js';
import { CONTROLLER_ID } from './network.js';

export class MetadataRegister {
  readonly records: MetadataRecord[] = [];
  readonly state = new MetadataState();

  /** Appends committed records and applies them; returns what changed. */
  commit(records: readonly MetadataRecord[]): MetadataChange[] {
    const changes: MetadataChange[] = [];
    for (const record of records) {
      this.records.push(record);
      const change = this.state.apply(record);
      if (change !== null) changes.push(change);
    }
    return changes;
  }
}

/** One node's copy of the metadata, as its ReplicaManager follows it. */
export class NodeMetadata implements ReplicaMetadata {
  readonly state = new MetadataState();
  readonly controllerId = CONTROLLER_ID;
  private appliedCount = 0;
  private readonly listeners: MetadataListener[] = [];

  /** A process starting with the first `count` committed records already applied (replayed from its Raft log). */
  constructor(records: readonly MetadataRecord[], count: number) {
    for (const record of records.slice(0, count)) this.state.apply(record);
    this.appliedCount = count;
  }

  /** How many committed records this copy has applied. */
  get applied(): number {
    return this.appliedCount;
  }

  onChange(listener: MetadataListener): void {
    this.listeners.push(listener);
  }

  /** Committed records from index `from` on arrived: applies the ones that continue this copy, in order. */
  receive(records: readonly MetadataRecord[], from: number): void {
    if (from > this.appliedCount) return; // a gap: the next poll fills it
    for (let i = this.appliedCount - from; i < records.length; i++) {
      const change = this.state.apply(records[i] as MetadataRecord);
      this.appliedCount++;
      if (change !== null) for (const listener of this.listeners) listener(change);
    }
  }
}
