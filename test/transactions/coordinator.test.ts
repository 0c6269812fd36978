// The transaction coordinator over in-memory logs, a fake clock and a marker transport the tests
// answer: Kafka's rules for InitProducerId, AddPartitionsToTxn, EndTxn, the order of a
// transaction's end (markers durable before Complete), fencing, timeouts, expiry, failover.
import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError } from '../../src/common/errors.js';
import { TxnState } from '../../src/transactions/state.js';
import { harness, init, logOf, MemoryTxnLog, settle, statesWritten } from './helpers.js';

const T = 'orders-txn';
const P0 = { topic: 'orders', partition: 0 };
const P1 = { topic: 'orders', partition: 1 };

describe('InitProducerId', () => {
  it('gives a new transactional id a new producer id at epoch 0, durably', async () => {
    const h = await harness();
    const r = await init(h, T);
    expect(r).toEqual({ errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
    expect(statesWritten(h, T)).toEqual([TxnState.Empty]);
  });

  it('bumps the epoch for each new producer instance, keeping the producer id', async () => {
    const h = await harness();
    await init(h, T);
    expect(await init(h, T)).toMatchObject({ producerId: 1000, producerEpoch: 1 });
    expect(await init(h, T)).toMatchObject({ producerId: 1000, producerEpoch: 2 });
  });

  it('refuses an empty id, a timeout above transaction.max.timeout.ms, and half of a producer id/epoch pair', async () => {
    const h = await harness({ transactionMaxTimeoutMs: 60_000 });
    expect((await init(h, '')).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await init(h, T, { timeoutMs: 60_001 })).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await init(h, T, { timeoutMs: 0 })).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await init(h, T, { producerId: 5 })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('KIP-360: the current producer re-initialises with its id and epoch; a retry of that gets the same answer', async () => {
    const h = await harness();
    await init(h, T);
    const bumped = await init(h, T, { producerId: 1000, producerEpoch: 0 });
    expect(bumped).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 1 });
    // The answer was lost: the producer retries with the epoch it had.
    expect(await init(h, T, { producerId: 1000, producerEpoch: 0 })).toMatchObject({ producerEpoch: 1 });
    // A zombie with an older epoch is fenced.
    await init(h, T); // a new instance: epoch 2, the last epoch forgotten
    expect((await init(h, T, { producerId: 1000, producerEpoch: 1 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await init(h, T, { producerId: 999, producerEpoch: 2 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('KIP-360 retries survive a coordinator failover (the last epoch is in the log)', async () => {
    const h = await harness();
    await init(h, T);
    await init(h, T, { producerId: 1000, producerEpoch: 0 });
    const p = h.coordinator.partitionFor(T);
    await h.coordinator.onPartitionLeadership(p, logOf(h, T).copy(6));
    expect(await init(h, T, { producerId: 1000, producerEpoch: 0 })).toMatchObject({ errorCode: 0, producerEpoch: 1 });
  });

  it('moves to a new producer id when the epoch is exhausted, and answers a retry of that', async () => {
    const h = await harness();
    await init(h, T);
    const p = h.coordinator.partitionFor(T);
    // Replay a log in which the id's epoch is at Short.MAX_VALUE - 1.
    const log = new MemoryTxnLog(9);
    const last = logOf(h, T).records().at(-1)!;
    await log.append([{ transactionalId: T, value: { ...last.value!, producerEpoch: 32_766 } }]);
    await h.coordinator.onPartitionLeadership(p, log);
    const rotated = await init(h, T, { producerId: 1000, producerEpoch: 32_766 });
    expect(rotated).toEqual({ errorCode: ErrorCode.NONE, producerId: 1001, producerEpoch: 0 });
    expect(log.records().at(-1)!.value).toMatchObject({
      producerId: 1001,
      lastProducerId: 1000,
      lastProducerEpoch: 32_766,
    });
    // The answer was lost; the retry carries the old id and exhausted epoch.
    expect(await init(h, T, { producerId: 1000, producerEpoch: 32_766 })).toMatchObject({
      producerId: 1001,
      producerEpoch: 0,
    });
  });

  it('fences an open transaction: aborts it at a bumped epoch, and answers the next epoch once that is done', async () => {
    const h = await harness();
    const first = await init(h, T);
    expect(await h.coordinator.addPartitions(T, first.producerId, 0, [P0])).toBe(ErrorCode.NONE);
    h.markers.holding = true;
    let answered = false;
    const second = h.coordinator
      .initProducerId({ transactionalId: T, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 })
      .finally(() => (answered = true));
    await settle();
    // The abort's markers carry the bumped epoch; the new producer waits for them (held, not refused).
    expect(h.markers.flat()).toEqual([expect.objectContaining({ ...P0, committed: false, producerEpoch: 1 })]);
    expect(answered).toBe(false);
    h.markers.release();
    expect(await second).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 2 });
    expect(statesWritten(h, T)).toEqual(['Empty', 'Ongoing', 'PrepareAbort', 'CompleteAbort', 'Empty']);
    // The zombie, at epoch 0, is fenced everywhere it turns.
    expect(await h.coordinator.addPartitions(T, first.producerId, 0, [P1])).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await h.coordinator.endTxn(T, first.producerId, 0, true)).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('answers CONCURRENT_TRANSACTIONS when the fence does not finish within txnConcurrentWaitMs', async () => {
    const h = await harness();
    const first = await init(h, T);
    await h.coordinator.addPartitions(T, first.producerId, 0, [P0]);
    h.markers.holding = true;
    const second = h.coordinator.initProducerId({
      transactionalId: T,
      transactionTimeoutMs: 60_000,
      producerId: -1,
      producerEpoch: -1,
    });
    await h.clock.advance(1_000);
    expect((await second).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    h.markers.release();
  });
});

describe('a transaction', () => {
  it('commits: PrepareCommit durable, then markers to every partition, then CompleteCommit', async () => {
    const h = await harness();
    h.leaders.set('orders-1', 2);
    const { producerId } = await init(h, T);
    expect(await h.coordinator.addPartitions(T, producerId, 0, [P0])).toBe(ErrorCode.NONE);
    expect(await h.coordinator.addPartitions(T, producerId, 0, [P0, P1])).toBe(ErrorCode.NONE);
    expect(await h.coordinator.addOffsets(T, producerId, 0, 'group-1')).toBe(ErrorCode.NONE);
    h.markers.holding = true;
    expect(await h.coordinator.endTxn(T, producerId, 0, true)).toBe(ErrorCode.NONE);
    expect(statesWritten(h, T).at(-1)).toBe(TxnState.PrepareCommit);
    await settle();
    // One call per leader node; nothing completes before their answers.
    expect(h.markers.sent.map((s) => s.nodeId).sort()).toEqual([1, 2]);
    expect(statesWritten(h, T).at(-1)).toBe(TxnState.PrepareCommit);
    expect(await h.coordinator.endTxn(T, producerId, 0, false)).toBe(ErrorCode.INVALID_TXN_STATE);
    // The next transaction waits for this one to complete (held, then answered).
    let started = false;
    const next = h.coordinator.addPartitions(T, producerId, 0, [P1]).finally(() => (started = true));
    await settle();
    expect(started).toBe(false);
    h.markers.release();
    expect(await next).toBe(ErrorCode.NONE);
    expect(statesWritten(h, T)).toEqual([
      'Empty',
      'Ongoing',
      'Ongoing',
      'Ongoing',
      'PrepareCommit',
      'CompleteCommit',
      'Ongoing',
    ]);
    const marked = h.markers.flat().map((m) => `${m.topic}-${m.partition}:${m.committed}:${m.coordinatorEpoch}`);
    expect(marked.sort()).toEqual(['__consumer_offsets-7:true:5', 'orders-0:true:5', 'orders-1:true:5']);
  });

  it('refuses EndTxn of no transaction, and requests of an unknown producer id', async () => {
    const h = await harness();
    const { producerId } = await init(h, T);
    expect(await h.coordinator.endTxn(T, producerId, 0, true)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await h.coordinator.endTxn(T, producerId + 1, 0, true)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await h.coordinator.addPartitions('unknown', producerId, 0, [P0])).toBe(
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    );
    expect(await h.coordinator.addOffsets(T, producerId, 0, '')).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('retries markers: a moved leader, a failed call, too few replicas; CompleteCommit only once all are durable', async () => {
    const h = await harness();
    const { producerId } = await init(h, T);
    await h.coordinator.addPartitions(T, producerId, 0, [P0, P1]);
    let refusals = 0;
    h.markers.answer = (nodeId, _m, _t, partition) => {
      if (partition === 0 && nodeId === 1) {
        h.leaders.set('orders-0', 3); // the leader moved
        return ErrorCode.NOT_LEADER_OR_FOLLOWER;
      }
      if (partition === 1 && refusals++ < 3) return ErrorCode.NOT_ENOUGH_REPLICAS;
      return ErrorCode.NONE;
    };
    let failures = 0;
    h.markers.failCall = (nodeId) => nodeId === 3 && failures++ < 2;
    expect(await h.coordinator.endTxn(T, producerId, 0, true)).toBe(ErrorCode.NONE);
    await h.clock.advance(200);
    expect(statesWritten(h, T).at(-1)).toBe(TxnState.PrepareCommit);
    await h.clock.advance(5_000);
    expect(statesWritten(h, T).at(-1)).toBe(TxnState.CompleteCommit);
    const toNode3 = h.markers.flat().filter((m) => m.nodeId === 3 && m.partition === 0);
    expect(toNode3.length).toBe(3); // two failed calls, then durable
  });

  it('stops completing when a partition reports a newer coordinator (a zombie coordinator)', async () => {
    const h = await harness();
    const { producerId } = await init(h, T);
    await h.coordinator.addPartitions(T, producerId, 0, [P0]);
    h.markers.answer = () => ErrorCode.TRANSACTION_COORDINATOR_FENCED;
    await h.coordinator.endTxn(T, producerId, 0, false);
    await h.clock.advance(5_000);
    expect(statesWritten(h, T).at(-1)).toBe(TxnState.PrepareAbort);
    expect(h.markers.sent).toHaveLength(1);
  });

  it('drops the marker of a partition whose topic was deleted', async () => {
    const h = await harness();
    const { producerId } = await init(h, T);
    await h.coordinator.addPartitions(T, producerId, 0, [P0, P1]);
    h.leaders.set('orders-1', 'gone');
    await h.coordinator.endTxn(T, producerId, 0, true);
    await settle();
    expect(statesWritten(h, T).at(-1)).toBe(TxnState.CompleteCommit);
    expect(h.markers.flat().map((m) => m.partition)).toEqual([0]);
  });

  it('answers the log error when a transition cannot be written, and leaves the state as it was', async () => {
    const h = await harness();
    const { producerId } = await init(h, T);
    logOf(h, T).failWith = new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(await h.coordinator.addPartitions(T, producerId, 0, [P0])).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    logOf(h, T).failWith = new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(await h.coordinator.addPartitions(T, producerId, 0, [P0])).toBe(ErrorCode.NOT_COORDINATOR);
    logOf(h, T).failWith = null;
    expect(h.coordinator.describe(T).state).toBe(TxnState.Empty);
    expect(await h.coordinator.addPartitions(T, producerId, 0, [P0])).toBe(ErrorCode.NONE);
  });

  it('holds a request while a transition is being written and runs it once that is durable', async () => {
    const h = await harness();
    const { producerId } = await init(h, T);
    let release = () => {};
    logOf(h, T).hold = new Promise((resolve) => (release = resolve));
    const adding = h.coordinator.addPartitions(T, producerId, 0, [P0]);
    await settle();
    let ended = false;
    const ending = h.coordinator.endTxn(T, producerId, 0, true).finally(() => (ended = true));
    await settle();
    expect(ended).toBe(false);
    logOf(h, T).hold = null;
    release();
    expect(await adding).toBe(ErrorCode.NONE);
    expect(await ending).toBe(ErrorCode.NONE);
    expect(statesWritten(h, T).slice(-3)).toEqual([TxnState.Ongoing, TxnState.PrepareCommit, TxnState.CompleteCommit]);
  });
});

describe('KIP-890 verification', () => {
  it('confirms a partition of the ongoing transaction only, at the current epoch', async () => {
    const h = await harness();
    const { producerId } = await init(h, T);
    await h.coordinator.addPartitions(T, producerId, 0, [P0]);
    expect(h.coordinator.verify(T, producerId, 0, [P0, P1]).map((r) => r.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.INVALID_TXN_STATE,
    ]);
    expect(h.coordinator.verify(T, producerId, 1, [P0])[0]!.errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect(h.coordinator.verify(T, producerId + 1, 0, [P0])[0]!.errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    h.markers.holding = true;
    await h.coordinator.endTxn(T, producerId, 0, true);
    // A produce arriving while the transaction ends is not let into it.
    expect(h.coordinator.verify(T, producerId, 0, [P0])[0]!.errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    h.markers.release();
    await settle();
    expect(h.coordinator.verify(T, producerId, 0, [P0])[0]!.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });
});

describe('failover', () => {
  it('a new coordinator resumes a PrepareCommit: markers again, then CompleteCommit', async () => {
    const h = await harness();
    const { producerId } = await init(h, T);
    await h.coordinator.addPartitions(T, producerId, 0, [P0, P1]);
    h.markers.holding = true;
    await h.coordinator.endTxn(T, producerId, 0, true);
    await settle();
    // The coordinator dies with its markers unanswered; another node loads the log.
    const p = h.coordinator.partitionFor(T);
    const survivor = logOf(h, T).copy(8);
    await h.coordinator.onPartitionLeadership(p, null);
    const sentBefore = h.markers.sent.length;
    h.markers.release();
    await settle();
    expect(
      survivor
        .records()
        .filter((r) => r.transactionalId === T)
        .at(-1)?.value?.state,
    ).toBe(TxnState.PrepareCommit);
    await h.coordinator.onPartitionLeadership(p, survivor);
    await settle();
    const resent = h.markers.sent.slice(sentBefore).flatMap((s) => s.markers);
    expect(resent.every((m) => m.committed && m.coordinatorEpoch === 8)).toBe(true);
    expect(survivor.records().at(-1)?.value?.state).toBe(TxnState.CompleteCommit);
    // The old coordinator's late answers completed nothing in the old log.
    expect(statesWritten(h, T).at(-1)).toBe(TxnState.PrepareCommit);
  });

  it('an Ongoing transaction of a dead coordinator is aborted by the timeout, at a bumped epoch', async () => {
    const h = await harness();
    const { producerId } = await init(h, T, { timeoutMs: 20_000 });
    await h.coordinator.addPartitions(T, producerId, 0, [P0]);
    const p = h.coordinator.partitionFor(T);
    await h.coordinator.onPartitionLeadership(p, logOf(h, T).copy(7));
    await h.clock.advance(15_000);
    expect(h.coordinator.describe(T).state).toBe(TxnState.Ongoing);
    await h.clock.advance(15_000);
    expect(h.coordinator.describe(T)).toMatchObject({ state: TxnState.CompleteAbort, producerEpoch: 1 });
    expect(h.markers.flat()).toEqual([
      expect.objectContaining({ ...P0, committed: false, producerEpoch: 1, coordinatorEpoch: 7 }),
    ]);
    expect(await h.coordinator.endTxn(T, producerId, 0, true)).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS while loading and NOT_COORDINATOR after losing the partition', async () => {
    const h = await harness();
    const p = h.coordinator.partitionFor(T);
    const slow = new MemoryTxnLog(9);
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    slow.replay = async (visit) => {
      await gate;
      return MemoryTxnLog.prototype.replay.call(slow, visit);
    };
    const loading = h.coordinator.onPartitionLeadership(p, slow);
    expect((await init(h, T)).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(h.coordinator.list({ states: [], producerIds: [], durationMs: -1 }).errorCode).toBe(
      ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
    );
    release();
    await loading;
    expect((await init(h, T)).errorCode).toBe(ErrorCode.NONE);
    await h.coordinator.onPartitionLeadership(p, null);
    expect((await init(h, T)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });
});

describe('housekeeping and views', () => {
  it('expires an idle id after transactional.id.expiration.ms with a tombstone, never one in a transaction', async () => {
    const h = await harness({ transactionalIdExpirationMs: 60_000, removeExpiredTransactionalIdsIntervalMs: 10_000 });
    await init(h, 'idle');
    const busy = await init(h, 'busy', { timeoutMs: 900_000 });
    await h.coordinator.addPartitions('busy', busy.producerId, 0, [P0]);
    await h.clock.advance(75_000);
    expect(statesWritten(h, 'idle').at(-1)).toBe('tombstone');
    expect(h.coordinator.describe('idle').errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    expect(h.coordinator.describe('busy').state).toBe(TxnState.Ongoing);
    // A new producer with the expired id starts afresh.
    expect(await init(h, 'idle')).toMatchObject({ errorCode: 0, producerEpoch: 0 });
  });

  it('describes and lists with filters', async () => {
    const h = await harness();
    const a = await init(h, 'a');
    await init(h, 'b');
    await h.coordinator.addPartitions('a', a.producerId, 0, [P0, P1]);
    expect(h.coordinator.describe('a')).toMatchObject({
      errorCode: 0,
      state: 'Ongoing',
      producerId: a.producerId,
      producerEpoch: 0,
      partitions: [P0, P1],
    });
    const all = h.coordinator.list({ states: [], producerIds: [], durationMs: -1 });
    expect(all.transactions.map((t) => t.transactionalId).sort()).toEqual(['a', 'b']);
    const ongoing = h.coordinator.list({ states: ['Ongoing', 'Nonsense'], producerIds: [], durationMs: -1 });
    expect(ongoing.transactions.map((t) => t.transactionalId)).toEqual(['a']);
    expect(ongoing.unknownStateFilters).toEqual(['Nonsense']);
    expect(
      h.coordinator
        .list({ states: [], producerIds: [a.producerId + 1], durationMs: -1 })
        .transactions.map((t) => t.transactionalId),
    ).toEqual(['b']);
    await h.clock.advance(5_000);
    expect(
      h.coordinator.list({ states: [], producerIds: [], durationMs: 4_000 }).transactions.map((t) => t.transactionalId),
    ).toEqual(['a']);
    expect(h.coordinator.list({ states: [], producerIds: [], durationMs: 6_000 }).transactions).toEqual([]);
  });
});
