// Idempotent-producer state of one partition (Kafka's ProducerStateManager, simplified): per
// producer id, its epoch and the last five batches' sequence and offset ranges. The leader checks
// every idempotent batch against it; followers and rebuilds just record what the log holds.
import { assert, ErrorCode, KafkaError, limits } from '../common/index.js';
import { type BatchHeader, isControlBatch } from './record-batch.js';

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
}

const INT32_MAX = 0x7fffffff;

/** Sequence numbers wrap from Int32.MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence). */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

export interface LeaderAppendPlan {
  /** Set when the single batch repeats a retained one: answer with these offsets, store nothing. */
  readonly duplicate: ProducerBatch | null;
  /** Applies the checked batches to the state; call only after the bytes are in the log. */
  commit(): void;
}

export class ProducerStateManager {
  // Insertion order is recency order (entries are re-inserted on update): the first is the stalest.
  private producers = new Map<number, ProducerEntry>();

  constructor(private readonly producersMax: number = limits.producersPerPartitionMax) {}

  get size(): number {
    return this.producers.size;
  }

  clear(): void {
    this.producers.clear();
  }

  lastBatch(producerId: number): { epoch: number; batch: ProducerBatch | null } | null {
    const entry = this.producers.get(producerId);
    if (!entry) return null;
    return { epoch: entry.epoch, batch: entry.batches[entry.batches.length - 1] ?? null };
  }

  /**
   * Checks batches a leader is about to append at `firstOffsets` (ProducerAppendInfo#checkSequence).
   * Throws INVALID_PRODUCER_EPOCH for a fenced epoch, OUT_OF_ORDER_SEQUENCE_NUMBER for a gap or a
   * new epoch that does not start at 0; reports a duplicate of a retained batch.
   */
  prepareLeaderAppend(headers: readonly BatchHeader[], firstOffsets: readonly number[]): LeaderAppendPlan {
    const staged = new Map<number, ProducerEntry>();
    for (let i = 0; i < headers.length; i++) {
      const header = headers[i] as BatchHeader;
      if (header.producerId < 0 || isControlBatch(header.attributes)) continue;
      const current = staged.get(header.producerId) ?? this.producers.get(header.producerId);
      const firstSeq = header.baseSequence;
      const lastSeq = incrementSequence(firstSeq, header.lastOffsetDelta);
      if (current) {
        if (header.producerEpoch < current.epoch) {
          throw new KafkaError(
            ErrorCode.INVALID_PRODUCER_EPOCH,
            `producer ${header.producerId} epoch ${header.producerEpoch} is older than ${current.epoch}`,
          );
        }
        if (header.producerEpoch === current.epoch) {
          const duplicate = current.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
          if (duplicate) {
            if (headers.length !== 1) {
              throw new KafkaError(ErrorCode.DUPLICATE_SEQUENCE_NUMBER, `duplicate batch inside a multi-batch append`);
            }
            return { duplicate, commit: () => undefined };
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
        } else if (firstSeq !== 0) {
          throw new KafkaError(
            ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
            `producer ${header.producerId}: new epoch ${header.producerEpoch} must start at sequence 0, got ${firstSeq}`,
          );
        }
      }
      // An unknown producer is accepted at any sequence (Kafka >= 2.5, KIP-360): its state may have
      // been lost to retention or a restart without a snapshot.
      const next = cloneEntry(current);
      recordBatch(next, header, firstSeq, lastSeq, firstOffsets[i] as number);
      staged.set(header.producerId, next);
    }
    return {
      duplicate: null,
      commit: () => {
        for (const [producerId, entry] of staged) this.put(producerId, entry);
      },
    };
  }

  /** Records a batch already in the log (follower append, rebuild): no checks, Kafka's replica origin. */
  applyStored(header: BatchHeader, firstOffset: number): void {
    if (header.producerId < 0 || isControlBatch(header.attributes)) return;
    const current = this.producers.get(header.producerId);
    if (current && header.producerEpoch < current.epoch) return;
    const next = cloneEntry(current);
    recordBatch(
      next,
      header,
      header.baseSequence,
      incrementSequence(header.baseSequence, header.lastOffsetDelta),
      firstOffset,
    );
    this.put(header.producerId, next);
  }

  private put(producerId: number, entry: ProducerEntry): void {
    this.producers.delete(producerId);
    this.producers.set(producerId, entry);
    // Bounded: forget the least recently active producer (it will be accepted as unknown later).
    while (this.producers.size > this.producersMax) {
      const stalest = this.producers.keys().next();
      if (stalest.done === true) break;
      this.producers.delete(stalest.value);
    }
  }

  serialize(offset: number): string {
    const producers = [...this.producers].map(([id, e]) => [
      id,
      e.epoch,
      e.lastTimestamp,
      e.batches.map((b) => [b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset]),
    ]);
    return JSON.stringify({ version: 1, offset, producers });
  }

  /** Restores a snapshot; returns the offset it covers, or null when the text is not a valid one. */
  restore(text: string): number | null {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return null;
    }
    if (!isSnapshot(parsed)) return null;
    this.producers.clear();
    for (const [id, epoch, lastTimestamp, batches] of parsed.producers) {
      this.producers.set(id, {
        epoch,
        lastTimestamp,
        batches: batches.map(([firstSeq, lastSeq, firstOffset, lastOffset]) => ({
          firstSeq,
          lastSeq,
          firstOffset,
          lastOffset,
        })),
      });
    }
    return parsed.offset;
  }
}

function cloneEntry(entry: ProducerEntry | undefined): ProducerEntry {
  if (!entry) return { epoch: -1, batches: [], lastTimestamp: -1 };
  return { epoch: entry.epoch, batches: [...entry.batches], lastTimestamp: entry.lastTimestamp };
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

type SnapshotTuple = [number, number, number, [number, number, number, number][]];

function isSnapshot(value: unknown): value is { version: 1; offset: number; producers: SnapshotTuple[] } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { version?: unknown; offset?: unknown; producers?: unknown };
  if (v.version !== 1 || !Number.isSafeInteger(v.offset) || !Array.isArray(v.producers)) return false;
  const isInt = (x: unknown): boolean => Number.isSafeInteger(x);
  return v.producers.every(
    (p: unknown) =>
      Array.isArray(p) &&
      p.length === 4 &&
      isInt(p[0]) &&
      isInt(p[1]) &&
      isInt(p[2]) &&
      Array.isArray(p[3]) &&
      (p[3] as unknown[]).every((b) => Array.isArray(b) && b.length === 4 && b.every(isInt)),
  );
}
