// The aborted-transaction index (Kafka's .txnindex) and the transaction marker's control record:
// entry layout, the search a read_committed fetch runs, truncation, and the checks that make a
// damaged file untrusted; the marker codec in Kafka's key/value layouts.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import {
  buildMarkerBatch,
  buildRecordBatch,
  readBatchHeader,
  readMarker,
  TxnIndex,
  type AbortedTxn,
} from '../../src/storage/index.js';
import { Attributes } from '../../src/storage/record-batch.js';
import { TXN_INDEX_ENTRY_BYTES } from '../../src/storage/txn-index.js';

const entry = (producerId: number, firstOffset: number, lastOffset: number, lastStableOffset: number): AbortedTxn => ({
  producerId,
  firstOffset,
  lastOffset,
  lastStableOffset,
});

describe('TxnIndex', () => {
  it('serializes 34-byte entries in Kafka layout and parses them back', () => {
    const index = new TxnIndex(100);
    index.append(entry(7, 90, 100, 95));
    index.append(entry(8, 101, 110, 111));
    const bytes = index.serialize();
    expect(bytes.length).toBe(2 * TXN_INDEX_ENTRY_BYTES);
    // version 0, producerId 7, firstOffset 90, lastOffset 100, lastStableOffset 95
    expect(bytes.subarray(0, 34).toString('hex')).toBe(
      '0000' + '0000000000000007' + '000000000000005a' + '0000000000000064' + '000000000000005f',
    );
    const parsed = TxnIndex.parse(100, bytes, 120);
    expect(parsed).toBeInstanceOf(TxnIndex);
    expect((parsed as TxnIndex).entries).toEqual(index.entries);
  });

  it('refuses a file that is cut short, out of order, outside its segment or of another version', () => {
    const index = new TxnIndex(100);
    index.append(entry(7, 90, 100, 95));
    index.append(entry(8, 101, 110, 111));
    const bytes = index.serialize();
    expect(TxnIndex.parse(100, bytes.subarray(0, 40), 120)).toMatch(/whole number/);
    expect(TxnIndex.parse(100, bytes, 110)).toMatch(/out of place/); // marker 110 beyond the segment end
    expect(TxnIndex.parse(105, bytes, 120)).toMatch(/out of place/); // marker 100 below the base
    const swapped = Buffer.concat([bytes.subarray(34), bytes.subarray(0, 34)]);
    expect(TxnIndex.parse(100, swapped, 120)).toMatch(/out of place/);
    const versioned = Buffer.from(bytes);
    versioned.writeInt16BE(1, 0);
    expect(TxnIndex.parse(100, versioned, 120)).toMatch(/version 1/);
    expect(TxnIndex.parse(100, Buffer.alloc(0), 100)).toBeInstanceOf(TxnIndex);
  });

  it('collects the aborts overlapping a range and says when later segments cannot add one', () => {
    const index = new TxnIndex(0);
    index.append(entry(1, 0, 5, 3)); // another transaction was open from 3
    index.append(entry(2, 3, 9, 10));
    index.append(entry(3, 12, 20, 21));
    // [6, 10): the abort at 5 ended before, the one of 2 overlaps; its stable offset 10 covers the bound.
    expect(index.collect(6, 10)).toEqual({ found: [entry(2, 3, 9, 10)], complete: true });
    // [0, 4): both first transactions overlap; entry 1's stable offset 3 < 4, entry 2's 10 >= 4.
    expect(index.collect(0, 4)).toEqual({ found: [entry(1, 0, 5, 3), entry(2, 3, 9, 10)], complete: true });
    // [21, 30): nothing here, and no entry proves the bound: the next segments must be searched.
    expect(index.collect(21, 30)).toEqual({ found: [], complete: false });
  });

  it('truncation drops the entries of markers at or after the cut', () => {
    const index = new TxnIndex(0);
    index.append(entry(1, 0, 5, 6));
    index.append(entry(2, 6, 9, 10));
    index.truncateTo(9);
    expect(index.entries).toEqual([entry(1, 0, 5, 6)]);
    index.truncateTo(0);
    expect(index.entries).toEqual([]);
  });
});

describe('transaction markers (control records)', () => {
  it('build a control batch in Kafka layout: key v0 + type, value v0 + coordinator epoch', () => {
    const marker = buildMarkerBatch({
      producerId: 42,
      producerEpoch: 3,
      committed: true,
      coordinatorEpoch: 9,
      timestampMs: 1_700_000_000_000,
    });
    const header = readBatchHeader(marker);
    expect(header.attributes & (Attributes.control | Attributes.transactional)).toBe(
      Attributes.control | Attributes.transactional,
    );
    expect(header).toMatchObject({ producerId: 42, producerEpoch: 3, baseSequence: -1, recordsCount: 1 });
    expect(readMarker(marker)).toEqual({ committed: true, coordinatorEpoch: 9 });
    const abort = buildMarkerBatch({
      producerId: 1,
      producerEpoch: 0,
      committed: false,
      coordinatorEpoch: 0,
      timestampMs: 0,
    });
    expect(readMarker(abort)).toEqual({ committed: false, coordinatorEpoch: 0 });
  });

  it('are read only from transactional control batches of type ABORT or COMMIT', () => {
    const data = buildRecordBatch([{ key: null, value: Buffer.from('x'), timestamp: 0 }], { transactional: true });
    expect(readMarker(data)).toBeNull();
    const key = Buffer.from('00000002', 'hex'); // version 0, type 2 (KRaft's LEADER_CHANGE)
    const other = buildRecordBatch([{ key, value: Buffer.alloc(6), timestamp: 0 }], {
      control: true,
      transactional: true,
    });
    expect(readMarker(other)).toBeNull();
    const torn = buildRecordBatch([{ key: Buffer.from('0000', 'hex'), value: null, timestamp: 0 }], {
      control: true,
      transactional: true,
    });
    expect(() => readMarker(torn)).toThrow(expect.objectContaining({ code: ErrorCode.CORRUPT_MESSAGE }));
    const noValue = buildRecordBatch(
      [{ key: Buffer.from('00000001', 'hex'), value: Buffer.from('00', 'hex'), timestamp: 0 }],
      {
        control: true,
        transactional: true,
      },
    );
    expect(() => readMarker(noValue)).toThrow(expect.objectContaining({ code: ErrorCode.CORRUPT_MESSAGE }));
  });
});
