// The transaction state machine's table (Kafka's validPreviousStates) and the __transaction_state
// record format: Kafka's key and value layouts, read at versions 0 and 1, written at 1.
import { describe, expect, it } from 'vitest';
import { Writer, concat } from '../../src/common/index.js';
import { TransactionMetadata, type TxnSnapshot } from '../../src/transactions/metadata.js';
import { decodeTxnLogRecord, encodeTxnLogRecord } from '../../src/transactions/records.js';
import { isValidTransition, TXN_STATE_IDS, TxnState } from '../../src/transactions/state.js';

const ALL = Object.values(TxnState);

/** A new producer's first epoch. */
function bump(m: TransactionMetadata): TxnSnapshot {
  const transit = m.prepareIncrementProducerEpoch(60_000, null, 2);
  if (transit === 'fenced') throw new Error('fenced');
  return transit;
}

describe('the state machine', () => {
  it("allows exactly Kafka's transitions", () => {
    const legal = new Set([
      'Empty->Empty',
      'CompleteCommit->Empty',
      'CompleteAbort->Empty',
      'Ongoing->Ongoing',
      'Empty->Ongoing',
      'CompleteCommit->Ongoing',
      'CompleteAbort->Ongoing',
      'Ongoing->PrepareCommit',
      'Ongoing->PrepareAbort',
      'PrepareEpochFence->PrepareAbort',
      'PrepareCommit->CompleteCommit',
      'PrepareAbort->CompleteAbort',
      'Empty->Dead',
      'CompleteCommit->Dead',
      'CompleteAbort->Dead',
      'Ongoing->PrepareEpochFence',
    ]);
    for (const from of ALL)
      for (const to of ALL) expect(isValidTransition(from, to), `${from}->${to}`).toBe(legal.has(`${from}->${to}`));
  });

  it("uses Kafka's state ids", () => {
    expect(TXN_STATE_IDS).toEqual({
      Empty: 0,
      Ongoing: 1,
      PrepareCommit: 2,
      PrepareAbort: 3,
      CompleteCommit: 4,
      CompleteAbort: 5,
      Dead: 6,
      PrepareEpochFence: 7,
    });
  });

  it('asserts an illegal transition: committing a transaction that is not Ongoing', () => {
    const m = TransactionMetadata.fresh('t', 7, 60_000, 1);
    m.complete(bump(m));
    expect(() => m.prepareAbortOrCommit(TxnState.PrepareCommit, 3)).toThrow(
      /illegal transition Empty -> PrepareCommit/,
    );
  });

  it('asserts a second transition prepared while one is pending', () => {
    const m = TransactionMetadata.fresh('t', 7, 60_000, 1);
    m.prepareIncrementProducerEpoch(60_000, null, 2);
    expect(() => m.prepareAddPartitions(['a-0'], 3)).toThrow(/while Empty is pending/);
  });

  it('asserts a completion that changes what the transition may not (Ongoing losing a partition)', () => {
    const m = TransactionMetadata.fresh('t', 7, 60_000, 1);
    m.complete(bump(m));
    m.complete(m.prepareAddPartitions(['a-0', 'a-1'], 3));
    const transit = m.prepareAddPartitions([], 4);
    const forged: TxnSnapshot = { ...transit, partitions: new Set(['a-0']) };
    expect(() => m.complete(forged)).toThrow(/not pending/);
  });

  it('keeps a failed fence bumped, and fences at that epoch next time', () => {
    const m = TransactionMetadata.fresh('t', 7, 60_000, 1);
    m.complete(bump(m));
    m.complete(m.prepareAddPartitions(['a-0'], 3));
    const fence = m.prepareFenceProducerEpoch(4);
    expect(m.pendingState).toBe(TxnState.PrepareEpochFence);
    expect(fence.producerEpoch).toBe(1);
    m.abandon(fence);
    expect(m.state).toBe(TxnState.Ongoing);
    expect(m.producerEpoch).toBe(1);
    const again = m.prepareFenceProducerEpoch(5);
    expect(again.producerEpoch).toBe(1);
    m.complete(again);
    expect(m.state).toBe(TxnState.PrepareAbort);
  });
});

function snapshot(overrides: Partial<TxnSnapshot>): TxnSnapshot {
  return {
    producerId: 4000,
    lastProducerId: -1,
    producerEpoch: 3,
    lastProducerEpoch: 2,
    txnTimeoutMs: 60_000,
    state: TxnState.Ongoing,
    partitions: new Set(['orders-0', 'orders-2', 'pay-ments-1']),
    txnStartTimestampMs: 1_700_000_000_000,
    txnLastUpdateTimestampMs: 1_700_000_000_500,
    ...overrides,
  };
}

describe('__transaction_state records', () => {
  it('round-trips every written state', () => {
    for (const state of [TxnState.Ongoing, TxnState.PrepareCommit, TxnState.PrepareAbort, TxnState.CompleteCommit]) {
      const value =
        state === TxnState.CompleteCommit ? snapshot({ state, partitions: new Set() }) : snapshot({ state });
      const { key, value: bytes } = encodeTxnLogRecord({ transactionalId: 'tx-1', value });
      const back = decodeTxnLogRecord(key, bytes);
      expect(back?.transactionalId).toBe('tx-1');
      expect(back?.value).toEqual(value);
    }
    const empty = snapshot({
      state: TxnState.Empty,
      partitions: new Set(),
      txnStartTimestampMs: -1,
      lastProducerId: 17,
    });
    const { key, value } = encodeTxnLogRecord({ transactionalId: 'tx-2', value: empty });
    expect(decodeTxnLogRecord(key, value)?.value).toEqual(empty);
  });

  it('writes a tombstone as a null value', () => {
    const { key, value } = encodeTxnLogRecord({ transactionalId: 'gone', value: null });
    expect(value).toBeNull();
    expect(decodeTxnLogRecord(key, null)).toEqual({ transactionalId: 'gone', value: null });
  });

  it("lays the key out as Kafka's TransactionLogKey v0: int16 0, then the id as an int16-length string", () => {
    const { key } = encodeTxnLogRecord({ transactionalId: 'ab', value: null });
    expect([...key]).toEqual([0, 0, 0, 2, 0x61, 0x62]);
  });

  it('reads a value version 0 as Kafka 3.x writes it (no tagged fields)', () => {
    const w = new Writer(64);
    w.int16(0); // version
    w.int64(4000); // ProducerId
    w.int16(3); // ProducerEpoch
    w.int32(60_000); // TransactionTimeoutMs
    w.int8(2); // TransactionStatus: PrepareCommit
    w.int32(1); // TransactionPartitions: one topic
    w.int16(6);
    w.append(Buffer.from('orders'));
    w.int32(2);
    w.int32(0);
    w.int32(2);
    w.int64(1_700_000_000_500); // TransactionLastUpdateTimestampMs
    w.int64(1_700_000_000_000); // TransactionStartTimestampMs
    const { key } = encodeTxnLogRecord({ transactionalId: 'k', value: null });
    const decoded = decodeTxnLogRecord(key, concat(w.finish()));
    expect(decoded?.value).toEqual({
      producerId: 4000,
      lastProducerId: -1,
      producerEpoch: 3,
      lastProducerEpoch: -1,
      txnTimeoutMs: 60_000,
      state: TxnState.PrepareCommit,
      partitions: new Set(['orders-0', 'orders-2']),
      txnStartTimestampMs: 1_700_000_000_000,
      txnLastUpdateTimestampMs: 1_700_000_000_500,
    });
  });

  it('ignores key versions that are not the transaction log and refuses states never written', () => {
    expect(decodeTxnLogRecord(Buffer.from([0, 1, 0, 0]), null)).toBeNull();
    const { key, value } = encodeTxnLogRecord({ transactionalId: 'x', value: snapshot({}) });
    const bad = Buffer.from(value!);
    // TransactionStatus follows version(2) ProducerId(8) ProducerEpoch(2) TimeoutMs(4).
    bad[16] = 6;
    expect(() => decodeTxnLogRecord(key, bad)).toThrow(/state 6/);
  });
});
