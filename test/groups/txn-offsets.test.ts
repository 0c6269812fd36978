// Offsets committed inside transactions (TxnOffsetCommit), the group coordinator's side: written
// as the producer's transactional records, invisible until its COMMIT marker lands on the
// partition, dropped by an ABORT, restored by a new coordinator from the markers in the log, and
// reported UNSTABLE_OFFSET_COMMIT to require_stable fetches while pending.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import type { TxnCommitParams } from '../../src/groups/coordinator.js';
import { offsetsPartitionFor } from '../../src/groups/hash.js';
import { harness, joinParams, logOf, MemoryLog, PARTITIONS, settle, type Harness } from './helpers.js';

const G = 'pipeline';
const PID = 4000;

function txnCommit(offset: number, overrides: Partial<TxnCommitParams> = {}): TxnCommitParams {
  return {
    groupId: G,
    producerId: PID,
    producerEpoch: 0,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    offsets: [{ topic: 'orders', partition: 0, offset, leaderEpoch: 1, metadata: 'txn' }],
    ...overrides,
  };
}

const fetched = (h: Harness, requireStable = false) =>
  h.coordinator.fetchOffsets(G, [{ topic: 'orders', partition: 0 }], requireStable).offsets[0];

/** The marker lands on the group's partition (as WriteTxnMarkers does once it is durable). */
function endTxn(h: Harness, committed: boolean, producerId = PID): void {
  const log = logOf(h, G);
  const at = log.marker(producerId, committed);
  h.coordinator.onTransactionCompleted(offsetsPartitionFor(G, PARTITIONS), producerId, at, committed);
}

describe('transactional offset commits', () => {
  it('stay invisible until the COMMIT marker, as UNSTABLE_OFFSET_COMMIT to require_stable fetches', async () => {
    const h = await harness();
    await h.coordinator.commitOffsets({
      groupId: G,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      offsets: [{ topic: 'orders', partition: 0, offset: 5, leaderEpoch: 1, metadata: '' }],
    });
    expect(await h.coordinator.commitTransactionalOffsets(txnCommit(20))).toEqual([
      { topic: 'orders', partition: 0, errorCode: ErrorCode.NONE },
    ]);
    // Written as the producer's transactional record.
    const entry = logOf(h, G).entries.at(-1);
    expect(entry && 'producerId' in entry ? entry.producerId : null).toBe(PID);
    expect(fetched(h)?.offset).toBe(5);
    expect(fetched(h, true)).toMatchObject({ offset: -1, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
    expect(h.coordinator.fetchOffsets(G, null, true).offsets[0]?.errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    endTxn(h, true);
    expect(fetched(h, true)).toMatchObject({ offset: 20, metadata: 'txn', errorCode: ErrorCode.NONE });
  });

  it('vanish on ABORT', async () => {
    const h = await harness();
    await h.coordinator.commitTransactionalOffsets(txnCommit(20));
    endTxn(h, false);
    expect(fetched(h, true)).toMatchObject({ offset: -1, errorCode: ErrorCode.NONE });
  });

  it('lose to a plain commit whose record is later in the log (Kafka: the later record wins)', async () => {
    const h = await harness();
    await h.coordinator.commitTransactionalOffsets(txnCommit(20));
    await h.coordinator.commitOffsets({
      groupId: G,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      offsets: [{ topic: 'orders', partition: 0, offset: 30, leaderEpoch: 1, metadata: '' }],
    });
    endTxn(h, true);
    expect(fetched(h)?.offset).toBe(30);
  });

  it('end only at the marker of their own producer, and only the records before it', async () => {
    const h = await harness();
    await h.coordinator.commitTransactionalOffsets(txnCommit(20));
    endTxn(h, true, PID + 1); // someone else's transaction
    expect(fetched(h, true)?.errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    endTxn(h, true);
    // The producer's next transaction writes after that marker: an old marker's completion cannot end it.
    await h.coordinator.commitTransactionalOffsets(txnCommit(40));
    h.coordinator.onTransactionCompleted(offsetsPartitionFor(G, PARTITIONS), PID, 0, true);
    expect(fetched(h)?.offset).toBe(20);
    expect(fetched(h, true)?.errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
  });

  it('come back for a new coordinator from the log: committed ones applied, aborted dropped, open ones pending', async () => {
    const h = await harness();
    await h.coordinator.commitTransactionalOffsets(txnCommit(20)); // committed below
    endTxn(h, true);
    await h.coordinator.commitTransactionalOffsets(txnCommit(25)); // aborted below
    endTxn(h, false);
    await h.coordinator.commitTransactionalOffsets(txnCommit(27, { producerId: PID + 1 })); // left open
    const reloaded = await harness({}, h.logs);
    expect(fetched(reloaded)?.offset).toBe(20);
    expect(fetched(reloaded, true)?.errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    endTxn(reloaded, true, PID + 1);
    expect(fetched(reloaded, true)).toMatchObject({ offset: 27, errorCode: ErrorCode.NONE });
  });

  it('are pending for a group that has no other record, which a reload keeps', async () => {
    const h = await harness();
    await h.coordinator.commitTransactionalOffsets(txnCommit(9));
    const reloaded = await harness({}, h.logs);
    await reloaded.coordinator.expireOffsets(); // an empty group with pending offsets is not deleted
    endTxn(reloaded, true);
    expect(fetched(reloaded)?.offset).toBe(9);
  });

  it('apply a marker that became durable while the partition was loading, once loaded', async () => {
    const h = await harness();
    await h.coordinator.commitTransactionalOffsets(txnCommit(20));
    const partition = offsetsPartitionFor(G, PARTITIONS);
    const log = h.logs[partition] as MemoryLog;
    let open!: () => void;
    log.gate = new Promise((resolve) => (open = resolve));
    const loading = h.coordinator.onPartitionLeadership(partition, log);
    await settle();
    expect(h.coordinator.fetchOffsets(G, null).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    // The marker landed past the end the replay reads (it is not in the log it sees), and its
    // completion arrives meanwhile: it must wait for the load, not be lost.
    h.coordinator.onTransactionCompleted(partition, PID, log.entries.length, true);
    open();
    await loading;
    expect(fetched(h, true)).toMatchObject({ offset: 20, errorCode: ErrorCode.NONE });
  });

  it('acknowledged only after their transaction was aborted: dropped, not left for the next one to commit', async () => {
    const h = await harness();
    const log = logOf(h, G);
    let durable!: () => void;
    log.durableGate = new Promise((resolve) => (durable = resolve));
    const written = h.coordinator.commitTransactionalOffsets(txnCommit(20));
    await settle();
    // The record is in the log; before it is acknowledged, the coordinator aborts the transaction
    // (a timeout) and the marker after it becomes durable first.
    endTxn(h, false);
    log.durableGate = null;
    durable();
    expect((await written)[0]?.errorCode).toBe(ErrorCode.NONE);
    expect(fetched(h, true)).toMatchObject({ offset: -1, errorCode: ErrorCode.NONE });
    // The producer's next transaction commits: the aborted offset must not ride along.
    await h.coordinator.commitTransactionalOffsets(txnCommit(30));
    endTxn(h, true);
    expect(fetched(h)?.offset).toBe(30);
  });

  it("check the group's member and generation (KIP-447) and the partitions named", async () => {
    const h = await harness();
    const joined = await h.coordinator.joinGroup(joinParams(G));
    await settle();
    const codes = async (overrides: Partial<TxnCommitParams>) =>
      (await h.coordinator.commitTransactionalOffsets(txnCommit(1, overrides))).map((r) => r.errorCode);
    expect(await codes({ memberId: 'stranger' })).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await codes({ memberId: joined.memberId, generationId: joined.generationId + 1 })).toEqual([
      ErrorCode.ILLEGAL_GENERATION,
    ]);
    expect(await codes({ groupInstanceId: 'static-1', memberId: joined.memberId })).toEqual([
      ErrorCode.FENCED_INSTANCE_ID,
    ]);
    expect(await codes({ memberId: joined.memberId, generationId: joined.generationId })).toEqual([ErrorCode.NONE]);
    expect(
      (
        await h.coordinator.commitTransactionalOffsets({
          ...txnCommit(1),
          offsets: [{ topic: 'missing', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }],
        })
      )[0]?.errorCode,
    ).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
