// The aborted-transaction index of one segment (Kafka's `.txnindex`): one entry per ABORT marker
// in the segment, in log order, naming the producer, the first offset of its aborted transaction
// (which may lie in an earlier segment), the marker's offset, and the partition's last stable
// offset when the marker was appended (the first offset of the next open transaction of another
// producer, else the marker's offset + 1). Entry layout, big-endian, 34 bytes:
//   int16 version (0), int64 producerId, int64 firstOffset, int64 lastOffset, int64 lastStableOffset
// A read_committed fetch builds its aborted_transactions from these entries without reading the
// log. Kept in memory; written to `<base>.txnindex` with the segment's other index files (only
// once the segment is inactive and durable, and on a clean close), never fsynced: recovery
// rebuilds a missing or damaged one by replaying the producer state (PartitionLog).
import { assert } from '../common/index.js';
import { readInt64, writeInt64 } from './record-batch.js';

export const TXN_INDEX_ENTRY_BYTES = 34;
const TXN_INDEX_VERSION = 0;

export interface AbortedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  /** The offset of the ABORT marker. */
  readonly lastOffset: number;
  readonly lastStableOffset: number;
}

export interface AbortedTxnSearch {
  readonly found: AbortedTxn[];
  /**
   * An entry showed that every transaction starting below the upper bound had ended by then, so
   * later segments cannot add one.
   */
  readonly complete: boolean;
}

export class TxnIndex {
  private entriesValue: AbortedTxn[] = [];

  constructor(readonly baseOffset: number) {}

  get entries(): readonly AbortedTxn[] {
    return this.entriesValue;
  }

  /** Records an abort whose marker sits in this segment; markers come in offset order. */
  append(entry: AbortedTxn): void {
    assert(entry.lastOffset >= this.baseOffset, `abort marker ${entry.lastOffset} below segment ${this.baseOffset}`);
    assert(entry.firstOffset <= entry.lastOffset, 'an aborted transaction starts before its marker');
    assert(entry.lastStableOffset <= entry.lastOffset + 1, 'the stable offset at an abort is at most past its marker');
    const last = this.entriesValue[this.entriesValue.length - 1];
    assert(last === undefined || entry.lastOffset > last.lastOffset, 'abort markers come in offset order');
    this.entriesValue.push(entry);
  }

  /** Drops the entries of markers at or after `offset` (the log is cut there). */
  truncateTo(offset: number): void {
    let keep = this.entriesValue.length;
    while (keep > 0 && (this.entriesValue[keep - 1] as AbortedTxn).lastOffset >= offset) keep--;
    this.entriesValue.length = keep;
  }

  clear(): void {
    this.entriesValue = [];
  }

  /**
   * The aborted transactions overlapping [fetchOffset, upperBoundOffset) (Kafka's
   * TransactionIndex.collectAbortedTxns).
   */
  collect(fetchOffset: number, upperBoundOffset: number): AbortedTxnSearch {
    const found: AbortedTxn[] = [];
    for (const entry of this.entriesValue) {
      if (entry.lastOffset >= fetchOffset && entry.firstOffset < upperBoundOffset) found.push(entry);
      if (entry.lastStableOffset >= upperBoundOffset) return { found, complete: true };
    }
    return { found, complete: false };
  }

  serialize(): Buffer {
    const out = Buffer.alloc(this.entriesValue.length * TXN_INDEX_ENTRY_BYTES);
    this.entriesValue.forEach((entry, i) => {
      const at = i * TXN_INDEX_ENTRY_BYTES;
      out.writeInt16BE(TXN_INDEX_VERSION, at);
      writeInt64(out, at + 2, entry.producerId);
      writeInt64(out, at + 10, entry.firstOffset);
      writeInt64(out, at + 18, entry.lastOffset);
      writeInt64(out, at + 26, entry.lastStableOffset);
    });
    return out;
  }

  /**
   * Reads an index file of a segment whose batches end before `nextOffset`; returns why it cannot
   * be trusted instead when it is not a whole, ordered set of entries within the segment.
   */
  static parse(baseOffset: number, bytes: Buffer, nextOffset: number): TxnIndex | string {
    if (bytes.length % TXN_INDEX_ENTRY_BYTES !== 0) return `${bytes.length} bytes is not a whole number of entries`;
    const index = new TxnIndex(baseOffset);
    let previous = baseOffset - 1;
    for (let at = 0; at < bytes.length; at += TXN_INDEX_ENTRY_BYTES) {
      const version = bytes.readInt16BE(at);
      const entry: AbortedTxn = {
        producerId: readInt64(bytes, at + 2),
        firstOffset: readInt64(bytes, at + 10),
        lastOffset: readInt64(bytes, at + 18),
        lastStableOffset: readInt64(bytes, at + 26),
      };
      if (version !== TXN_INDEX_VERSION) return `entry ${at / TXN_INDEX_ENTRY_BYTES} has version ${version}`;
      if (
        entry.producerId < 0 ||
        entry.firstOffset < 0 ||
        entry.firstOffset > entry.lastOffset ||
        entry.lastOffset <= previous ||
        entry.lastOffset >= nextOffset ||
        entry.lastStableOffset < 0 ||
        entry.lastStableOffset > entry.lastOffset + 1
      ) {
        return `entry ${at / TXN_INDEX_ENTRY_BYTES} is out of place: ${JSON.stringify(entry)}`;
      }
      previous = entry.lastOffset;
      index.entriesValue.push(entry);
    }
    return index;
  }
}
