// Sends the COMMIT or ABORT markers of transactions in PrepareCommit/PrepareAbort to the leader of
// every partition they wrote, after Kafka's TransactionMarkerChannelManager, and reports a
// transaction once every one of its markers is durable so the coordinator can write
// CompleteCommit/CompleteAbort. The rules:
// * one queue per destination node and at most one WriteTxnMarkers call in flight to it, carrying
//   everything queued for it then (up to txnMarkersPerCallMax partitions), so markers made
//   together travel together;
// * a marker is done only when its partition's leader answered NONE, which it does once the marker
//   is durable under the partition's write quorum (the partition side's contract). Anything else
//   retriable (a moved leader, too few replicas, a timeout, a lost answer, a dead node) sends it
//   again after a backoff that doubles per attempt up to txnMarkerRetryBackoffMaxMs, to whichever
//   node leads the partition then. Sending twice is harmless: a partition ignores a marker for a
//   producer with no open transaction there;
// * a partition whose topic was deleted needs no marker;
// * INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED means a newer producer epoch or a
//   newer coordinator has acted on the partition: this coordinator is a zombie for that
//   transaction, so it stops and never completes it (the current coordinator does);
// * a coordinator that loses a __transaction_state partition cancels that partition's transactions.
// Everything the channel holds is bounded by the transactions being completed, which the
// coordinator bounds (limits.txnCompletionsPendingMax).
import { ErrorCode, errorName, limits, type Clock, type Logger, type ScheduledTask } from '../common/index.js';
import { parsePartitionKey } from './metadata.js';

/** One WriteTxnMarkers entry: a transaction's marker for some of its partitions. */
export interface MarkerRequest {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
  readonly partitions: readonly { readonly topic: string; readonly partition: number }[];
}

export interface MarkerResult {
  readonly producerId: number;
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
}

/** How markers reach a partition leader: WriteTxnMarkers to `nodeId` (the wiring picks the channel). */
export interface MarkerTransport {
  /** One result per partition asked; rejects when the call itself failed (the node is unreachable). */
  writeTxnMarkers(nodeId: number, markers: readonly MarkerRequest[]): Promise<readonly MarkerResult[]>;
}

/** Where a partition is led: a node id, no leader right now, or the partition no longer exists. */
export type PartitionLeader = number | 'none' | 'gone';

/** A transaction whose markers are being written. */
export interface Completion {
  readonly transactionalId: string;
  /** The __transaction_state partition it lives on. */
  readonly txnPartition: number;
  readonly coordinatorEpoch: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly committed: boolean;
  /** Partition keys whose marker is not durable yet. */
  readonly pending: Set<string>;
}

interface QueuedMarker {
  readonly completion: Completion;
  readonly key: string;
  attempt: number;
}

export interface MarkerChannelOptions {
  readonly transport: MarkerTransport;
  readonly leaderOf: (topic: string, partition: number) => PartitionLeader;
  readonly clock: Clock;
  readonly log: Logger;
  /** Every marker of `completion` is durable. Called once per completion, unless cancelled. */
  readonly onWritten: (completion: Completion) => void;
}

const RETRIABLE: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.NETWORK_EXCEPTION,
]);

const ZOMBIE: ReadonlySet<number> = new Set([
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.TRANSACTION_COORDINATOR_FENCED,
]);

export class TxnMarkerChannel {
  private readonly queues = new Map<number, QueuedMarker[]>();
  private readonly inflight = new Set<number>();
  private readonly active = new Set<Completion>();
  private readonly timers = new Set<ScheduledTask>();
  private closed = false;

  constructor(private readonly options: MarkerChannelOptions) {}

  /** Transactions whose markers are being written. */
  get size(): number {
    return this.active.size;
  }

  /** Starts writing `completion`'s markers. */
  add(completion: Completion): void {
    if (this.closed) return;
    this.active.add(completion);
    if (completion.pending.size === 0) {
      this.finish(completion);
      return;
    }
    for (const key of completion.pending) this.route({ completion, key, attempt: 0 });
  }

  /** Stops every transaction of a __transaction_state partition this node no longer leads. */
  cancelTxnPartition(txnPartition: number): void {
    for (const completion of [...this.active])
      if (completion.txnPartition === txnPartition) this.active.delete(completion);
    // Queued markers of cancelled completions are dropped when their turn comes.
  }

  close(): void {
    this.closed = true;
    this.active.clear();
    this.queues.clear();
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
  }

  private isLive(completion: Completion): boolean {
    return !this.closed && this.active.has(completion);
  }

  private finish(completion: Completion): void {
    if (!this.active.delete(completion)) return;
    this.options.onWritten(completion);
  }

  /** Puts a marker on its partition leader's queue, or waits for one. */
  private route(marker: QueuedMarker): void {
    const { completion, key } = marker;
    if (!this.isLive(completion) || !completion.pending.has(key)) return;
    const { topic, partition } = parsePartitionKey(key);
    const leader = this.options.leaderOf(topic, partition);
    if (leader === 'gone') {
      this.options.log.info(
        { transactionalId: completion.transactionalId, topic, partition },
        'partition of a transaction no longer exists; it needs no marker',
      );
      this.markerDone(completion, key);
      return;
    }
    if (leader === 'none') {
      this.retryLater(marker);
      return;
    }
    const queue = this.queues.get(leader) ?? [];
    queue.push(marker);
    this.queues.set(leader, queue);
    this.pump(leader);
  }

  private retryLater(marker: QueuedMarker): void {
    if (this.closed) return;
    const delayMs = Math.min(
      limits.txnMarkerRetryBackoffMs * 2 ** Math.min(marker.attempt, 16),
      limits.txnMarkerRetryBackoffMaxMs,
    );
    marker.attempt++;
    const timer = this.options.clock.schedule(delayMs, () => {
      this.timers.delete(timer);
      this.route(marker);
    });
    this.timers.add(timer);
  }

  private markerDone(completion: Completion, key: string): void {
    completion.pending.delete(key);
    if (completion.pending.size === 0) this.finish(completion);
  }

  /** Sends what is queued for `nodeId` unless a call to it is in flight. */
  private pump(nodeId: number): void {
    if (this.closed || this.inflight.has(nodeId)) return;
    const queue = this.queues.get(nodeId);
    if (!queue || queue.length === 0) return;
    const batch: QueuedMarker[] = [];
    const byCompletion = new Map<Completion, QueuedMarker[]>();
    const producers = new Map<number, Completion>();
    const rest: QueuedMarker[] = [];
    for (const marker of queue) {
      const { completion } = marker;
      if (!this.isLive(completion) || !completion.pending.has(marker.key)) continue;
      const holder = producers.get(completion.producerId);
      // Answers are matched by producer id: one completion per producer id per call.
      if (batch.length >= limits.txnMarkersPerCallMax || (holder !== undefined && holder !== completion)) {
        rest.push(marker);
        continue;
      }
      producers.set(completion.producerId, completion);
      batch.push(marker);
      const list = byCompletion.get(completion) ?? [];
      list.push(marker);
      byCompletion.set(completion, list);
    }
    if (rest.length > 0) this.queues.set(nodeId, rest);
    else this.queues.delete(nodeId);
    if (batch.length === 0) return;
    const requests: MarkerRequest[] = [...byCompletion].map(([c, markers]) => ({
      producerId: c.producerId,
      producerEpoch: c.producerEpoch,
      committed: c.committed,
      coordinatorEpoch: c.coordinatorEpoch,
      partitions: markers.map((m) => parsePartitionKey(m.key)),
    }));
    this.inflight.add(nodeId);
    this.options.transport
      .writeTxnMarkers(nodeId, requests)
      .then(
        (results) => this.answered(nodeId, batch, results),
        (err: unknown) => {
          this.options.log.debug({ err, nodeId, markers: batch.length }, 'WriteTxnMarkers call failed; retrying');
          for (const marker of batch) this.retryLater(marker);
        },
      )
      .finally(() => {
        this.inflight.delete(nodeId);
        this.pump(nodeId);
      });
  }

  private answered(nodeId: number, batch: readonly QueuedMarker[], results: readonly MarkerResult[]): void {
    const byPartition = new Map<string, number>();
    for (const r of results) byPartition.set(`${r.producerId}/${r.topic}-${r.partition}`, r.errorCode);
    for (const marker of batch) {
      const { completion, key } = marker;
      if (!this.isLive(completion)) continue;
      const errorCode = byPartition.get(`${completion.producerId}/${key}`);
      if (errorCode === ErrorCode.NONE) {
        this.markerDone(completion, key);
      } else if (errorCode !== undefined && ZOMBIE.has(errorCode)) {
        this.options.log.warn(
          { transactionalId: completion.transactionalId, partition: key, error: errorName(errorCode) },
          'a partition has seen a newer producer epoch or coordinator; this coordinator stops completing it',
        );
        this.active.delete(completion);
      } else {
        if (errorCode === undefined || !RETRIABLE.has(errorCode)) {
          this.options.log.error(
            { transactionalId: completion.transactionalId, partition: key, nodeId, error: errorCode ?? 'no answer' },
            'unexpected answer to a transaction marker; sending it again',
          );
          marker.attempt = Math.max(marker.attempt, 16);
        }
        this.retryLater(marker);
      }
    }
  }
}
