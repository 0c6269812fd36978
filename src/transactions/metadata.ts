// One transactional id's state at its coordinator, after Kafka's TransactionMetadata. The state
// is an immutable snapshot (`current`) that changes only by a transition: `prepare*` computes the
// next snapshot and marks it pending, the coordinator appends it to __transaction_state, and once
// it is durable `complete` makes it current (or `abandon` drops it when the append failed). While a
// transition is pending, requests that would start another get CONCURRENT_TRANSACTIONS. Each
// `complete` checks the transition against the rules Kafka checks (same producer id and epoch,
// partitions only growing while Ongoing, ...): a violation is the coordinator's own bug and fatal.
import { assert } from '../common/index.js';
import { assertTransition, hasPendingTransaction, TxnState } from './state.js';

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
const EPOCH_MAX = 32_767;

/**
 * Kafka never hands out the last epoch of a producer id, so a coordinator can always fence the
 * holder of the one before it; from Short.MAX_VALUE - 1 on, InitProducerId moves to a new id.
 */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= EPOCH_MAX - 1;
}

/** A partition of a transaction as a set key: `topic-partition` (the partition index follows the last '-'). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export function parsePartitionKey(key: string): { topic: string; partition: number } {
  const dash = key.lastIndexOf('-');
  assert(dash > 0, `partition key ${key} names a topic`);
  const partition = Number(key.slice(dash + 1));
  assert(Number.isInteger(partition) && partition >= 0, `partition key ${key} ends with a partition index`);
  return { topic: key.slice(0, dash), partition };
}

/** Everything stored about a transactional id (TransactionLogValue, plus the last epoch Kafka keeps in memory). */
export interface TxnSnapshot {
  readonly producerId: number;
  /** The producer id before the latest rotation (epoch exhaustion), or -1. */
  readonly lastProducerId: number;
  readonly producerEpoch: number;
  /** The epoch before the latest bump requested by the producer itself (KIP-360 retries), or -1. */
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly state: TxnState;
  /** Partitions of the ongoing transaction, as partitionKey()s; empty unless Ongoing or Prepare*. */
  readonly partitions: ReadonlySet<string>;
  /** When the ongoing transaction's first partition was added; -1 when none was. */
  readonly txnStartTimestampMs: number;
  readonly txnLastUpdateTimestampMs: number;
}

const NO_PARTITIONS: ReadonlySet<string> = new Set();

interface Pending {
  /** The state requests see as pending: PrepareEpochFence while a fence's PrepareAbort is written. */
  readonly state: TxnState;
  readonly transit: TxnSnapshot;
}

export class TransactionMetadata {
  private snapshot: TxnSnapshot;
  private pendingTransition: Pending | null = null;
  /**
   * A fence's PrepareAbort could not be written, but its bumped epoch stays in memory so the
   * fenced producer is refused from now on; the next fence then reuses it (Kafka's
   * hasFailedEpochFence). The bumped epoch was never given to any client.
   */
  private failedEpochFence = false;
  /** Requests held until the next transition is done (TransactionCoordinator.whileConcurrent). */
  private transitionWaiters: (() => void)[] = [];

  constructor(
    readonly transactionalId: string,
    snapshot: TxnSnapshot,
  ) {
    this.snapshot = snapshot;
  }

  /** A transactional id seen for the first time: a new producer id, no epoch yet. */
  static fresh(transactionalId: string, producerId: number, txnTimeoutMs: number, nowMs: number): TransactionMetadata {
    return new TransactionMetadata(transactionalId, {
      producerId,
      lastProducerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
      lastProducerEpoch: NO_PRODUCER_EPOCH,
      txnTimeoutMs,
      state: TxnState.Empty,
      partitions: NO_PARTITIONS,
      txnStartTimestampMs: -1,
      txnLastUpdateTimestampMs: nowMs,
    });
  }

  get current(): TxnSnapshot {
    return this.snapshot;
  }

  get state(): TxnState {
    return this.snapshot.state;
  }

  get producerId(): number {
    return this.snapshot.producerId;
  }

  get producerEpoch(): number {
    return this.snapshot.producerEpoch;
  }

  /** The state being written, or null. */
  get pendingState(): TxnState | null {
    return this.pendingTransition?.state ?? null;
  }

  get hasPendingTransition(): boolean {
    return this.pendingTransition !== null;
  }

  /** Resolves once the pending transition (or, when none is pending, the next one) completes or is abandoned. */
  nextTransition(): Promise<void> {
    return new Promise((resolve) => this.transitionWaiters.push(resolve));
  }

  private transitionDone(): void {
    const waiters = this.transitionWaiters;
    this.transitionWaiters = [];
    for (const resolve of waiters) resolve();
  }

  hasPartition(topic: string, partition: number): boolean {
    return this.snapshot.partitions.has(partitionKey(topic, partition));
  }

  // ---------------------------------------------------------------- preparing transitions

  /** InitProducerId on a finished (or no) transaction: bump the epoch (KIP-360 rules for an expected epoch). */
  prepareIncrementProducerEpoch(
    txnTimeoutMs: number,
    expectedEpoch: number | null,
    nowMs: number,
  ): TxnSnapshot | 'fenced' {
    const s = this.snapshot;
    assert(!isEpochExhausted(s.producerEpoch), `${this.transactionalId}: epoch bump of an exhausted epoch`);
    const bumped = s.producerEpoch + 1;
    let next: { epoch: number; lastEpoch: number };
    if (expectedEpoch === null) {
      // A new producer instance: bump, and forget the last epoch (a retry of an older instance is fenced).
      next = { epoch: bumped, lastEpoch: NO_PRODUCER_EPOCH };
    } else if (s.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === s.producerEpoch) {
      // The current producer recovering from an error: bump, remembering the epoch it held.
      next = { epoch: bumped, lastEpoch: s.producerEpoch };
    } else if (expectedEpoch === s.lastProducerEpoch) {
      // A retry of a bump that succeeded but whose answer was lost: answer the same epoch again.
      next = { epoch: s.producerEpoch, lastEpoch: s.lastProducerEpoch };
    } else {
      return 'fenced';
    }
    return this.prepare(TxnState.Empty, {
      ...s,
      producerEpoch: next.epoch,
      lastProducerEpoch: next.lastEpoch,
      txnTimeoutMs,
      state: TxnState.Empty,
      partitions: NO_PARTITIONS,
      txnStartTimestampMs: -1,
      txnLastUpdateTimestampMs: nowMs,
    });
  }

  /** InitProducerId on an exhausted epoch: a new producer id at epoch 0. */
  prepareProducerIdRotation(
    newProducerId: number,
    txnTimeoutMs: number,
    nowMs: number,
    recordLastEpoch: boolean,
  ): TxnSnapshot {
    const s = this.snapshot;
    assert(!hasPendingTransaction(s.state), `${this.transactionalId}: producer id rotation during a transaction`);
    return this.prepare(TxnState.Empty, {
      ...s,
      producerId: newProducerId,
      lastProducerId: s.producerId,
      producerEpoch: 0,
      lastProducerEpoch: recordLastEpoch ? s.producerEpoch : NO_PRODUCER_EPOCH,
      txnTimeoutMs,
      state: TxnState.Empty,
      partitions: NO_PARTITIONS,
      txnStartTimestampMs: -1,
      txnLastUpdateTimestampMs: nowMs,
    });
  }

  /** AddPartitionsToTxn / AddOffsetsToTxn: the transaction is (or starts) Ongoing with these partitions. */
  prepareAddPartitions(added: Iterable<string>, nowMs: number): TxnSnapshot {
    const s = this.snapshot;
    const starting =
      s.state === TxnState.Empty || s.state === TxnState.CompleteCommit || s.state === TxnState.CompleteAbort;
    return this.prepare(TxnState.Ongoing, {
      ...s,
      state: TxnState.Ongoing,
      partitions: new Set([...s.partitions, ...added]),
      txnStartTimestampMs: starting ? nowMs : s.txnStartTimestampMs,
      txnLastUpdateTimestampMs: nowMs,
    });
  }

  /** EndTxn: PrepareCommit or PrepareAbort, same epoch and partitions. */
  prepareAbortOrCommit(
    state: typeof TxnState.PrepareCommit | typeof TxnState.PrepareAbort,
    nowMs: number,
  ): TxnSnapshot {
    return this.prepare(state, { ...this.snapshot, state, txnLastUpdateTimestampMs: nowMs });
  }

  /**
   * A fence (the producer was replaced by InitProducerId, or its transaction timed out): the
   * Ongoing transaction goes to PrepareAbort at a bumped epoch, so its markers fence the old
   * producer on every partition. The pending state is PrepareEpochFence until it is written.
   */
  prepareFenceProducerEpoch(nowMs: number): TxnSnapshot {
    const s = this.snapshot;
    assert(s.state === TxnState.Ongoing, `${this.transactionalId}: fencing in state ${s.state}`);
    assert(s.producerEpoch < EPOCH_MAX, `${this.transactionalId}: fencing would overflow the epoch`);
    const epoch = this.failedEpochFence ? s.producerEpoch : s.producerEpoch + 1;
    assertTransition(this.transactionalId, TxnState.Ongoing, TxnState.PrepareEpochFence);
    return this.prepare(
      TxnState.PrepareAbort,
      {
        ...s,
        producerEpoch: epoch,
        lastProducerEpoch: NO_PRODUCER_EPOCH,
        state: TxnState.PrepareAbort,
        txnLastUpdateTimestampMs: nowMs,
      },
      TxnState.PrepareEpochFence,
    );
  }

  /** Every marker is durable: CompleteCommit or CompleteAbort, no partitions left. */
  prepareComplete(nowMs: number): TxnSnapshot {
    const s = this.snapshot;
    assert(
      s.state === TxnState.PrepareCommit || s.state === TxnState.PrepareAbort,
      `${this.transactionalId}: completing in state ${s.state}`,
    );
    const state = s.state === TxnState.PrepareCommit ? TxnState.CompleteCommit : TxnState.CompleteAbort;
    return this.prepare(state, { ...s, state, partitions: NO_PARTITIONS, txnLastUpdateTimestampMs: nowMs });
  }

  /** Expiry: a tombstone is written and the id forgotten. */
  prepareDead(): TxnSnapshot {
    const s = this.snapshot;
    return this.prepare(TxnState.Dead, { ...s, state: TxnState.Dead, partitions: NO_PARTITIONS });
  }

  private prepare(state: TxnState, transit: TxnSnapshot, pendingState: TxnState = state): TxnSnapshot {
    assert(
      this.pendingTransition === null,
      `${this.transactionalId}: preparing ${state} while ${this.pendingTransition?.state} is pending`,
    );
    assert(transit.producerId >= 0, `${this.transactionalId}: producer id ${transit.producerId}`);
    assert(
      state === TxnState.Dead || transit.producerEpoch >= 0,
      `${this.transactionalId}: epoch ${transit.producerEpoch}`,
    );
    if (pendingState === TxnState.PrepareEpochFence) assertTransition(this.transactionalId, pendingState, state);
    else assertTransition(this.transactionalId, this.snapshot.state, state);
    this.pendingTransition = { state: pendingState, transit };
    return transit;
  }

  // ---------------------------------------------------------------- finishing transitions

  /** The pending transition is durable in __transaction_state: it becomes the current state. */
  complete(transit: TxnSnapshot): void {
    const pending = this.pendingTransition;
    assert(
      pending !== null && pending.transit === transit,
      `${this.transactionalId}: completing a transition not pending`,
    );
    const s = this.snapshot;
    const t = transit;
    const id = this.transactionalId;
    const sameProducer = t.producerId === s.producerId && t.producerEpoch === s.producerEpoch;
    switch (t.state) {
      case TxnState.Empty: {
        const bump =
          t.producerEpoch === s.producerEpoch + 1 || (t.producerEpoch === 0 && t.producerId !== s.producerId);
        assert(
          t.producerEpoch === s.producerEpoch || bump,
          `${id}: Empty at epoch ${t.producerEpoch} after ${s.producerEpoch}`,
        );
        assert(t.partitions.size === 0 && t.txnStartTimestampMs === -1, `${id}: Empty with a transaction`);
        break;
      }
      case TxnState.Ongoing:
        assert(sameProducer, `${id}: Ongoing under another producer epoch`);
        assert(
          [...s.partitions].every((p) => t.partitions.has(p)),
          `${id}: Ongoing lost partitions`,
        );
        assert(t.txnTimeoutMs === s.txnTimeoutMs, `${id}: Ongoing changed the timeout`);
        break;
      case TxnState.PrepareCommit:
      case TxnState.PrepareAbort: {
        const fence = pending.state === TxnState.PrepareEpochFence;
        assert(t.producerId === s.producerId, `${id}: ${t.state} under another producer id`);
        const bumped = t.producerEpoch === s.producerEpoch + 1;
        const reused = this.failedEpochFence && t.producerEpoch === s.producerEpoch;
        assert(
          fence ? bumped || reused : t.producerEpoch === s.producerEpoch,
          `${id}: ${t.state} at epoch ${t.producerEpoch} after ${s.producerEpoch}`,
        );
        assert(samePartitions(s.partitions, t.partitions), `${id}: ${t.state} changed the partitions`);
        assert(
          t.txnStartTimestampMs === s.txnStartTimestampMs && t.txnTimeoutMs === s.txnTimeoutMs,
          `${id}: ${t.state} changed the transaction`,
        );
        break;
      }
      case TxnState.CompleteCommit:
      case TxnState.CompleteAbort:
        assert(sameProducer, `${id}: ${t.state} under another producer epoch`);
        assert(
          t.txnTimeoutMs === s.txnTimeoutMs && t.txnStartTimestampMs !== -1,
          `${id}: ${t.state} of no transaction`,
        );
        assert(t.partitions.size === 0, `${id}: ${t.state} with partitions left`);
        break;
      case TxnState.Dead:
        // Its tombstone is durable; the coordinator forgets the id right after.
        assert(sameProducer && t.partitions.size === 0, `${id}: Dead changed the producer`);
        break;
      case TxnState.PrepareEpochFence:
        assert(false, `${id}: PrepareEpochFence is only ever pending`);
    }
    assert(t.txnLastUpdateTimestampMs >= 0, `${id}: update time`);
    if (t.state === TxnState.CompleteCommit || t.state === TxnState.CompleteAbort) this.failedEpochFence = false;
    this.snapshot = t;
    this.pendingTransition = null;
    this.transitionDone();
  }

  /** The pending transition could not be written: nothing changes, except that a fence's epoch stays bumped. */
  abandon(transit: TxnSnapshot): void {
    const pending = this.pendingTransition;
    assert(
      pending !== null && pending.transit === transit,
      `${this.transactionalId}: abandoning a transition not pending`,
    );
    this.pendingTransition = null;
    if (pending.state === TxnState.PrepareEpochFence) {
      this.snapshot = { ...this.snapshot, producerEpoch: transit.producerEpoch, lastProducerEpoch: NO_PRODUCER_EPOCH };
      this.failedEpochFence = true;
    }
    this.transitionDone();
  }
}

function samePartitions(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((p) => b.has(p));
}
