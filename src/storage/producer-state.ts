// Producer state of one partition (Kafka's ProducerStateManager): per producer id, its epoch, the
// last five batches' sequence and offset ranges, the coordinator epoch of its last transaction
// marker and the first offset of its open transaction here. Across producers: the open
// transactions in offset order, and the transactions ended by a marker the high watermark has not
// passed yet; together they give the first unstable offset, which bounds the last stable offset.
// The leader checks every batch against it; followers and rebuilds record what the log holds.
import { assert, ErrorCode, KafkaError, limits } from '../common/index.js';
import type { TxnMarker } from './control-record.js';
import { type BatchHeader, isControlBatch, isTransactionalBatch } from './record-batch.js';
import type { AbortedTxn } from './txn-index.js';

export interface ProducerBatch {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

interface ProducerEntry {
  epoch: number;
  batches: ProducerBatch[];
  lastTimestamp: number;
  /** The coordinator epoch of the last marker; -1 before any. */
  coordinatorEpoch: number;
  /** First offset of the producer's open transaction on this partition; -1 when none is open. */
  currentTxnFirstOffset: number;
  /** Producer epoch of the last marker here; -1 before any (the 'sequence' start rule reads it). */
  lastMarkerEpoch: number;
}

/** A transaction ended by a marker the high watermark has not passed: still unstable. */
interface EndedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

/**
 * Who writes: a client's produce (every check), or a coordinator of this broker (markers from
 * WriteTxnMarkers, the group coordinator's transactional offset commits): epochs are checked,
 * sequences are not, as Kafka's AppendOrigin.COORDINATOR.
 */
export type AppendOrigin = 'client' | 'coordinator';

/**
 * How a client's transactional batch may open a transaction on this partition when its producer
 * has none open here (KIP-890 part 1). 'verified': only with the guard handed out by
 * `startVerification` before the coordinator confirmed the partition is in the transaction, and
 * only if no marker of that producer landed since. 'sequence', for a node without a coordinator to
 * ask: a producer that already ended a transaction here in this epoch may open another only at
 * sequence 0; a producer unknown here, or in a newer epoch, may open one.
 */
export type TransactionStartRule = 'sequence' | 'verified';

/** Proof that a verification began before any later marker of its producer (object identity). */
export interface VerificationGuard {
  readonly producerId: number;
}

export interface StateAppendOptions {
  readonly origin: AppendOrigin;
  readonly startRule: TransactionStartRule;
  readonly verificationGuard?: VerificationGuard | null;
}

/** One batch as producer state sees it: its header and, for a transaction marker, what it says. */
export interface StateBatch {
  readonly header: BatchHeader;
  readonly marker: TxnMarker | null;
}

export interface LeaderAppendPlan {
  /** Set when the single batch repeats a retained one: answer with these offsets, store nothing. */
  readonly duplicate: ProducerBatch | null;
  /**
   * Applies the checked batches to the state; call only after the bytes are in the log. Returns
   * the index entries of the transactions the batches aborted, in log order.
   */
  commit(): AbortedTxn[];
}

/** A producer as DescribeProducers shows it. */
export interface ProducerDescription {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastTimestamp: number;
  readonly coordinatorEpoch: number;
  readonly currentTxnStartOffset: number;
}

const INT32_MAX = 0x7fffffff;
const SNAPSHOT_VERSION = 2;

/** Sequence numbers wrap from Int32.MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence). */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

type TxnEvent =
  | { readonly kind: 'start'; readonly producerId: number; readonly firstOffset: number }
  | {
      readonly kind: 'end';
      readonly producerId: number;
      readonly firstOffset: number;
      readonly lastOffset: number;
      readonly aborted: boolean;
    };

export class ProducerStateManager {
  // Insertion order is recency order (entries are re-inserted on update): the first is the stalest.
  private producers = new Map<number, ProducerEntry>();
  /** Open transactions: first offset -> producer id, in ascending offset order (they begin in log order). */
  private readonly ongoing = new Map<number, number>();
  /** Ended transactions whose marker is at or above the high watermark, by marker offset. */
  private ended: EndedTxn[] = [];
  /** KIP-890 verifications under way, per producer; bounded like the producers. */
  private readonly guards = new Map<number, VerificationGuard>();

  constructor(private readonly producersMax: number = limits.producersPerPartitionMax) {}

  get size(): number {
    return this.producers.size;
  }

  clear(): void {
    this.producers.clear();
    this.ongoing.clear();
    this.ended = [];
    this.guards.clear();
  }

  lastBatch(producerId: number): { epoch: number; batch: ProducerBatch | null } | null {
    const entry = this.producers.get(producerId);
    if (!entry) return null;
    return { epoch: entry.epoch, batch: entry.batches[entry.batches.length - 1] ?? null };
  }

  /** The open transaction of `producerId` here: its first offset and the producer's epoch. */
  ongoingTransaction(producerId: number): { firstOffset: number; producerEpoch: number } | null {
    const entry = this.producers.get(producerId);
    if (!entry || entry.currentTxnFirstOffset < 0) return null;
    return { firstOffset: entry.currentTxnFirstOffset, producerEpoch: entry.epoch };
  }

  /**
   * The first offset a read_committed consumer may not pass: the start of the earliest transaction
   * still open or ended by a marker the high watermark has not passed; null when there is none.
   */
  get firstUnstableOffset(): number | null {
    let first: number | null = null;
    for (const firstOffset of this.ongoing.keys()) {
      first = firstOffset;
      break;
    }
    for (const txn of this.ended) if (first === null || txn.firstOffset < first) first = txn.firstOffset;
    return first;
  }

  /** The high watermark reached `highWatermark`: transactions whose marker lies below it are stable. */
  onHighWatermark(highWatermark: number): void {
    let stable = 0;
    while (stable < this.ended.length && (this.ended[stable] as EndedTxn).lastOffset < highWatermark) stable++;
    if (stable > 0) this.ended = this.ended.slice(stable);
  }

  /**
   * The log now starts at `logStartOffset` (DeleteRecords, retention, a restore from a snapshot
   * older than that): producers with nothing left at or after it go, their open transaction with
   * them (Kafka's truncateHead). Their markers may have gone with the deleted batches, so keeping
   * them would hold the last stable offset back on a transaction that ended long ago.
   */
  truncateHead(logStartOffset: number): void {
    for (const [producerId, entry] of this.producers) {
      const lastData = entry.batches[entry.batches.length - 1]?.lastOffset ?? -1;
      if (lastData >= logStartOffset || entry.currentTxnFirstOffset >= logStartOffset) continue;
      this.producers.delete(producerId);
      this.guards.delete(producerId);
      if (entry.currentTxnFirstOffset >= 0) this.ongoing.delete(entry.currentTxnFirstOffset);
    }
    this.ended = this.ended.filter((txn) => txn.lastOffset >= logStartOffset);
  }

  /** Producers whose next transactional batch here needs the coordinator's word (none open in this epoch). */
  needsVerification(producerId: number, producerEpoch: number): boolean {
    const entry = this.producers.get(producerId);
    return !(entry && entry.currentTxnFirstOffset >= 0 && entry.epoch === producerEpoch);
  }

  /** The guard a produce holds while its coordinator verifies; the same one for concurrent asks. */
  startVerification(producerId: number): VerificationGuard {
    const existing = this.guards.get(producerId);
    if (existing) return existing;
    const guard: VerificationGuard = { producerId };
    this.guards.set(producerId, guard);
    while (this.guards.size > this.producersMax) {
      const oldest = this.guards.keys().next();
      if (oldest.done === true) break;
      this.guards.delete(oldest.value);
    }
    return guard;
  }

  /** Every producer tracked, for DescribeProducers. */
  describe(): ProducerDescription[] {
    return [...this.producers].map(([producerId, e]) => ({
      producerId,
      producerEpoch: e.epoch,
      lastSequence: e.batches[e.batches.length - 1]?.lastSeq ?? -1,
      lastTimestamp: e.lastTimestamp,
      coordinatorEpoch: e.coordinatorEpoch,
      currentTxnStartOffset: e.currentTxnFirstOffset,
    }));
  }

  /**
   * Checks batches a leader is about to append at `firstOffsets` (Kafka's ProducerAppendInfo).
   * Throws INVALID_PRODUCER_EPOCH for a fenced epoch, OUT_OF_ORDER_SEQUENCE_NUMBER for a gap or a
   * new epoch that does not start at 0, INVALID_TXN_STATE for a non-transactional batch inside an
   * open transaction or a transaction the start rule refuses, TRANSACTION_COORDINATOR_FENCED for a
   * marker from an older coordinator epoch; reports a duplicate of a retained batch.
   */
  prepareLeaderAppend(
    batches: readonly StateBatch[],
    firstOffsets: readonly number[],
    options: StateAppendOptions,
  ): LeaderAppendPlan {
    const staged = new Map<number, ProducerEntry>();
    const events: TxnEvent[] = [];
    /** Producers a marker reaches: their verifications under way are void, ended transaction or not. */
    const marked = new Set<number>();
    for (let i = 0; i < batches.length; i++) {
      const { header, marker } = batches[i] as StateBatch;
      const firstOffset = firstOffsets[i] as number;
      if (header.producerId < 0) continue;
      const current = staged.get(header.producerId) ?? this.producers.get(header.producerId);
      if (current && header.producerEpoch < current.epoch) {
        throw new KafkaError(
          ErrorCode.INVALID_PRODUCER_EPOCH,
          `producer ${header.producerId} epoch ${header.producerEpoch} is older than ${current.epoch}`,
        );
      }
      if (isControlBatch(header.attributes)) {
        assert(options.origin === 'coordinator', 'only a coordinator of this broker appends control batches');
        if (marker === null) continue;
        if (current && current.coordinatorEpoch > marker.coordinatorEpoch) {
          throw new KafkaError(
            ErrorCode.TRANSACTION_COORDINATOR_FENCED,
            `marker of producer ${header.producerId} from coordinator epoch ${marker.coordinatorEpoch}, ` +
              `older than ${current.coordinatorEpoch}`,
          );
        }
        const next = cloneEntry(current);
        const event = applyMarker(next, header, marker, firstOffset);
        if (event) events.push(event);
        marked.add(header.producerId);
        staged.set(header.producerId, next);
        continue;
      }
      const firstSeq = header.baseSequence;
      const lastSeq = incrementSequence(firstSeq, header.lastOffsetDelta);
      if (options.origin === 'client' && current) {
        const duplicate = this.checkSequence(header, current, firstSeq, lastSeq, batches.length);
        if (duplicate) return { duplicate, commit: () => [] };
      }
      const transactional = isTransactionalBatch(header.attributes);
      if (current && current.currentTxnFirstOffset >= 0 && !transactional) {
        throw new KafkaError(
          ErrorCode.INVALID_TXN_STATE,
          `producer ${header.producerId} wrote a non-transactional batch inside its open transaction`,
        );
      }
      const startsTxn = transactional && (current === undefined || current.currentTxnFirstOffset < 0);
      if (startsTxn && options.origin === 'client') this.checkTxnStart(header, current, options);
      // An unknown producer is accepted at any sequence (Kafka >= 2.5, KIP-360): its state may have
      // been lost to retention or a restart without a snapshot.
      const next = cloneEntry(current);
      recordBatch(next, header, firstSeq, lastSeq, firstOffset);
      if (startsTxn) {
        next.currentTxnFirstOffset = firstOffset;
        events.push({ kind: 'start', producerId: header.producerId, firstOffset });
      }
      staged.set(header.producerId, next);
    }
    return {
      duplicate: null,
      commit: () => {
        for (const [producerId, entry] of staged) this.put(producerId, entry);
        for (const producerId of marked) this.guards.delete(producerId);
        return this.applyEvents(events);
      },
    };
  }

  /** The duplicate batch this one repeats, or null; throws for a sequence out of order. */
  private checkSequence(
    header: BatchHeader,
    current: ProducerEntry,
    firstSeq: number,
    lastSeq: number,
    batchCount: number,
  ): ProducerBatch | null {
    if (header.producerEpoch !== current.epoch) {
      if (firstSeq !== 0) {
        throw new KafkaError(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `producer ${header.producerId}: new epoch ${header.producerEpoch} must start at sequence 0, got ${firstSeq}`,
        );
      }
      return null;
    }
    const duplicate = current.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
    if (duplicate) {
      if (batchCount !== 1) {
        throw new KafkaError(ErrorCode.DUPLICATE_SEQUENCE_NUMBER, `duplicate batch inside a multi-batch append`);
      }
      return duplicate;
    }
    const last = current.batches[current.batches.length - 1];
    if (last && !inSequence(last.lastSeq, firstSeq)) {
      throw new KafkaError(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `producer ${header.producerId}: sequence ${firstSeq} does not follow ${last.lastSeq}`,
      );
    }
    if (!last && firstSeq !== 0) {
      // A known epoch without retained batches can only come from a bump: it must start at 0.
      throw new KafkaError(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `producer ${header.producerId}: expected sequence 0`,
      );
    }
    return null;
  }

  /** KIP-890 part 1: may this client batch open a transaction here? */
  private checkTxnStart(header: BatchHeader, current: ProducerEntry | undefined, options: StateAppendOptions): void {
    if (options.startRule === 'verified') {
      const guard = options.verificationGuard ?? null;
      if (guard === null || this.guards.get(header.producerId) !== guard) {
        throw new KafkaError(
          ErrorCode.INVALID_TXN_STATE,
          `producer ${header.producerId}: no verified transaction includes this partition`,
        );
      }
      return;
    }
    if (current && current.lastMarkerEpoch === header.producerEpoch && header.baseSequence !== 0) {
      throw new KafkaError(
        ErrorCode.INVALID_TXN_STATE,
        `producer ${header.producerId} ended a transaction here in epoch ${header.producerEpoch}; ` +
          `a batch at sequence ${header.baseSequence} cannot open another`,
      );
    }
  }

  /**
   * Records a batch already in the log (follower append, rebuild): no checks, Kafka's replica
   * origin. Returns the index entry when the batch is an ABORT marker that ended a transaction.
   */
  applyStored(header: BatchHeader, marker: TxnMarker | null, firstOffset: number): AbortedTxn | null {
    if (header.producerId < 0) return null;
    const current = this.producers.get(header.producerId);
    const next = cloneEntry(current);
    let event: TxnEvent | null = null;
    if (isControlBatch(header.attributes)) {
      if (marker === null) return null;
      // The leader accepted it, so it ends the transaction here whatever this replica thought.
      event = applyMarker(next, header, marker, firstOffset);
      this.guards.delete(header.producerId);
    } else {
      const transactional = isTransactionalBatch(header.attributes);
      const stale = current !== undefined && header.producerEpoch < current.epoch;
      if (stale && !transactional) return null;
      if (!stale) {
        recordBatch(
          next,
          header,
          header.baseSequence,
          incrementSequence(header.baseSequence, header.lastOffsetDelta),
          firstOffset,
        );
      }
      if (transactional && next.currentTxnFirstOffset < 0) {
        next.currentTxnFirstOffset = firstOffset;
        event = { kind: 'start', producerId: header.producerId, firstOffset };
      }
    }
    this.put(header.producerId, next);
    return event ? (this.applyEvents([event])[0] ?? null) : null;
  }

  /** Moves transactions between open, ended-unstable and gone; index entries for the aborts. */
  private applyEvents(events: readonly TxnEvent[]): AbortedTxn[] {
    const aborted: AbortedTxn[] = [];
    for (const event of events) {
      this.guards.delete(event.producerId);
      if (event.kind === 'start') {
        let lastStart = -1;
        for (const offset of this.ongoing.keys()) lastStart = offset;
        assert(event.firstOffset > lastStart, 'transactions open in offset order');
        this.ongoing.set(event.firstOffset, event.producerId);
        continue;
      }
      const owner = this.ongoing.get(event.firstOffset);
      assert(owner === event.producerId, `transaction at ${event.firstOffset} belongs to its producer`);
      this.ongoing.delete(event.firstOffset);
      let lastStableOffset = event.lastOffset + 1;
      for (const firstOffset of this.ongoing.keys()) {
        lastStableOffset = firstOffset;
        break;
      }
      this.ended.push({ producerId: event.producerId, firstOffset: event.firstOffset, lastOffset: event.lastOffset });
      // Bounded: the oldest ended transaction is the one the high watermark passes first.
      if (this.ended.length > limits.unstableEndedTxnsMax) this.ended.shift();
      if (event.aborted) {
        aborted.push({
          producerId: event.producerId,
          firstOffset: event.firstOffset,
          lastOffset: event.lastOffset,
          lastStableOffset,
        });
      }
    }
    return aborted;
  }

  private put(producerId: number, entry: ProducerEntry): void {
    this.producers.delete(producerId);
    this.producers.set(producerId, entry);
    // Bounded: forget the least recently active producer (it will be accepted as unknown later),
    // but never one with an open transaction, whose end must still find it.
    if (this.producers.size <= this.producersMax) return;
    for (const [id, candidate] of this.producers) {
      if (this.producers.size <= this.producersMax) break;
      if (candidate.currentTxnFirstOffset < 0 && id !== producerId) this.producers.delete(id);
    }
  }

  serialize(offset: number): string {
    const producers = [...this.producers].map(([id, e]) => [
      id,
      e.epoch,
      e.lastTimestamp,
      e.batches.map((b) => [b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset]),
      e.coordinatorEpoch,
      e.currentTxnFirstOffset,
      e.lastMarkerEpoch,
    ]);
    const ended = this.ended.map((t) => [t.producerId, t.firstOffset, t.lastOffset]);
    return JSON.stringify({ version: SNAPSHOT_VERSION, offset, producers, ended });
  }

  /**
   * Restores a snapshot (version 2, or version 1 from before transactions); returns the offset it
   * covers, or null when the text is not a valid one.
   */
  restore(text: string): number | null {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return null;
    }
    if (!isSnapshot(parsed)) return null;
    this.clear();
    const open: [number, number][] = [];
    for (const [id, epoch, lastTimestamp, batches, coordinatorEpoch, txnFirst, markerEpoch] of parsed.producers) {
      const entry: ProducerEntry = {
        epoch,
        lastTimestamp,
        batches: batches.map(([firstSeq, lastSeq, firstOffset, lastOffset]) => ({
          firstSeq,
          lastSeq,
          firstOffset,
          lastOffset,
        })),
        coordinatorEpoch: coordinatorEpoch ?? -1,
        currentTxnFirstOffset: txnFirst ?? -1,
        lastMarkerEpoch: markerEpoch ?? -1,
      };
      this.producers.set(id, entry);
      if (entry.currentTxnFirstOffset >= 0) open.push([entry.currentTxnFirstOffset, id]);
    }
    open.sort((a, b) => a[0] - b[0]);
    for (const [firstOffset, id] of open) this.ongoing.set(firstOffset, id);
    this.ended = (parsed.ended ?? [])
      .map(([producerId, firstOffset, lastOffset]) => ({ producerId, firstOffset, lastOffset }))
      .sort((a, b) => a.lastOffset - b.lastOffset);
    return parsed.offset;
  }
}

function cloneEntry(entry: ProducerEntry | undefined): ProducerEntry {
  if (!entry) {
    return {
      epoch: -1,
      batches: [],
      lastTimestamp: -1,
      coordinatorEpoch: -1,
      currentTxnFirstOffset: -1,
      lastMarkerEpoch: -1,
    };
  }
  return { ...entry, batches: [...entry.batches] };
}

/** A marker at `offset` ends the producer's open transaction here, if any; its epoch may be newer. */
function applyMarker(entry: ProducerEntry, header: BatchHeader, marker: TxnMarker, offset: number): TxnEvent | null {
  const firstOffset = entry.currentTxnFirstOffset;
  if (header.producerEpoch > entry.epoch) {
    entry.epoch = header.producerEpoch;
    entry.batches = [];
  }
  entry.coordinatorEpoch = marker.coordinatorEpoch;
  entry.currentTxnFirstOffset = -1;
  entry.lastMarkerEpoch = header.producerEpoch;
  entry.lastTimestamp = Math.max(entry.lastTimestamp, header.maxTimestamp);
  // A marker with no open transaction (a retried one) ends nothing, as in Kafka.
  if (firstOffset < 0) return null;
  return {
    kind: 'end',
    producerId: header.producerId,
    firstOffset,
    lastOffset: offset,
    aborted: !marker.committed,
  };
}

function recordBatch(
  entry: ProducerEntry,
  header: BatchHeader,
  firstSeq: number,
  lastSeq: number,
  firstOffset: number,
): void {
  if (header.producerEpoch !== entry.epoch) {
    entry.epoch = header.producerEpoch;
    entry.batches = [];
  }
  entry.batches.push({ firstSeq, lastSeq, firstOffset, lastOffset: firstOffset + header.lastOffsetDelta });
  if (entry.batches.length > limits.producerBatchesRetained) entry.batches.shift();
  entry.lastTimestamp = Math.max(entry.lastTimestamp, header.maxTimestamp);
  assert(entry.batches.length <= limits.producerBatchesRetained, 'producer batches are bounded');
}

type BatchTuple = [number, number, number, number];
/** id, epoch, lastTimestamp, batches, then (version 2) coordinatorEpoch, txn first offset, marker epoch. */
type ProducerTuple = [number, number, number, BatchTuple[], number?, number?, number?];

interface Snapshot {
  version: 1 | 2;
  offset: number;
  producers: ProducerTuple[];
  ended?: [number, number, number][];
}

function isSnapshot(value: unknown): value is Snapshot {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { version?: unknown; offset?: unknown; producers?: unknown; ended?: unknown };
  if ((v.version !== 1 && v.version !== SNAPSHOT_VERSION) || !Number.isSafeInteger(v.offset)) return false;
  if (!Array.isArray(v.producers)) return false;
  const isInt = (x: unknown): boolean => Number.isSafeInteger(x);
  const width = v.version === 1 ? 4 : 7;
  const producersOk = v.producers.every(
    (p: unknown) =>
      Array.isArray(p) &&
      p.length === width &&
      isInt(p[0]) &&
      isInt(p[1]) &&
      isInt(p[2]) &&
      Array.isArray(p[3]) &&
      (p[3] as unknown[]).every((b) => Array.isArray(b) && b.length === 4 && b.every(isInt)) &&
      (p as unknown[]).slice(4).every(isInt),
  );
  if (!producersOk) return false;
  if (v.version === 1) return v.ended === undefined;
  return Array.isArray(v.ended) && v.ended.every((t) => Array.isArray(t) && t.length === 3 && t.every(isInt));
}
