// What one cleaning pass knows of transactions (Kafka's CleanedTransactionMetadata), so that it
// can treat their batches as Kafka's cleaner does:
//
// * a data batch of an aborted transaction is dropped. Which transactions aborted comes from the
//   segments' aborted-transaction indexes: a transactional batch of producer P at offset o is
//   aborted iff an entry of P spans o (first offset <= o <= abort marker). The pass only reads
//   below the last stable offset, so every transaction with a batch there has ended, and one not
//   in the index committed;
// * a batch of a committed transaction is compacted like any other;
// * a marker is discardable only when no batch of its transaction was met in this pass. A pass
//   reads the log from its start and a transaction's batches precede its marker, so "none met"
//   means "none left in the log". A marker whose batches the pass dropped stays this time (it is
//   the one a read_committed consumer that read them waits for); the next pass finds it alone,
//   gives it a delete horizon (now + delete.retention.ms), and a pass after the horizon drops it.
//
// A producer has at most one transaction open on a partition, so "batches since its previous
// marker" are exactly its current transaction's batches.
import type { AbortedTxn } from '../txn-index.js';

/** What the pass met of a producer's transaction since its previous marker. */
interface MetTxn {
  /** Some batch of it stays in the log after this pass (possibly as an empty batch). */
  retained: boolean;
}

/** What a marker's transaction left in the log, as this pass saw it. */
export type MarkerVerdict =
  /** Batches of it stay: the marker stays, and an abort keeps its index entry. */
  | 'data-retained'
  /** Its batches were all dropped by this pass: the marker stays for one more pass. */
  | 'data-dropped-now'
  /** No batch of it was met: the marker may go once its delete horizon has passed. */
  | 'no-data';

export class CleanedTransactions {
  /** Aborted transactions per producer, in marker order (they do not overlap). */
  private readonly aborted = new Map<number, AbortedTxn[]>();
  private readonly met = new Map<number, MetTxn>();

  /** `aborted`: the index entries of every segment the pass may read, in any order. */
  constructor(aborted: Iterable<AbortedTxn>) {
    for (const entry of aborted) {
      const list = this.aborted.get(entry.producerId) ?? [];
      list.push(entry);
      this.aborted.set(entry.producerId, list);
    }
    for (const list of this.aborted.values()) list.sort((a, b) => a.lastOffset - b.lastOffset);
  }

  /** Whether a transactional data batch of `producerId` at `baseOffset` belongs to an aborted transaction. */
  isAborted(producerId: number, baseOffset: number): boolean {
    const list = this.aborted.get(producerId);
    if (list === undefined) return false;
    // The first entry whose marker is at or after the batch: the only one that can span it.
    let low = 0;
    let high = list.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((list[mid] as AbortedTxn).lastOffset < baseOffset) low = mid + 1;
      else high = mid;
    }
    const entry = list[low];
    return entry !== undefined && entry.firstOffset <= baseOffset;
  }

  /** The pass met a transactional data batch of `producerId`; `retained`: it stays in the log. */
  onDataBatch(producerId: number, retained: boolean): void {
    const met = this.met.get(producerId);
    if (met === undefined) this.met.set(producerId, { retained });
    else met.retained ||= retained;
  }

  /** The pass met a marker (or an emptied control batch) of `producerId`: its transaction ends here. */
  onMarker(producerId: number): MarkerVerdict {
    const met = this.met.get(producerId);
    this.met.delete(producerId);
    if (met === undefined) return 'no-data';
    return met.retained ? 'data-retained' : 'data-dropped-now';
  }
}
