// KIP-890 part 1 in the produce handler, in one process over a real single-replica Replica: a
// transactional batch that would open a transaction asks the TransactionVerifier first, later
// batches of the same producer to the partition wait behind the answer and land in order, a
// refusal is the partition's answer and appends nothing, and a marker landing while the
// coordinator is asked voids the verification (the late request cannot open a transaction).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/log.js';
import type { BrokerContext } from '../../src/kafka/broker-context.js';
import type { RequestContext } from '../../src/kafka/handler.js';
import { RequestTiming } from '../../src/kafka/request-timing.js';
import { produceHandler } from '../../src/kafka/handlers/produce.js';
import type { ProduceRequest, ProduceResponse } from '../../src/kafka/protocol/messages/produce.js';
import type { TransactionVerifier, VerifyTransactionRequest } from '../../src/kafka/transaction-verifier.js';
import { systemClock } from '../../src/common/clock.js';
import { Replica } from '../../src/replication/replica.js';
import { buildMarkerBatch, buildRecordBatch, makeLogConfig, PartitionLog } from '../../src/storage/index.js';

const dirs: string[] = [];
const opened: Replica[] = [];

afterEach(async () => {
  for (const p of opened.splice(0)) {
    await p.close();
    await p.log.close();
  }
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function leaderPartition(): Promise<Replica> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-verify-'));
  dirs.push(dir);
  const log = await PartitionLog.open(dir, makeLogConfig({}), silentLogger);
  const assignment = { leader: 1, leaderEpoch: 0, replicas: [1], writeQuorum: 1 };
  const partition = await Replica.open(
    { topic: 't', topicId: 'id', partition: 0 },
    log,
    assignment,
    {
      nodeId: 1,
      limits: {},
      clock: systemClock,
      send: () => Promise.resolve(null),
      leadershipChanged: () => undefined,
      fatal: (err) => {
        throw err;
      },
      storageFailed: () => undefined,
    },
    silentLogger,
  );
  await partition.applyAssignment(assignment);
  opened.push(partition);
  return partition;
}

/** A verifier whose answers the test releases; it records what it was asked. */
class HeldVerifier implements TransactionVerifier {
  readonly asksCoordinator = true;
  readonly asked: VerifyTransactionRequest[] = [];
  private readonly releases: ((code: number) => void)[] = [];

  verify(request: VerifyTransactionRequest) {
    this.asked.push(request);
    return new Promise<{ topic: string; partition: number; errorCode: 0 | 48 }[]>((resolve) => {
      this.releases.push((code) => resolve(request.partitions.map((p) => ({ ...p, errorCode: code as 0 | 48 }))));
    });
  }

  verifyOffsetCommit() {
    return Promise.resolve(ErrorCode.NONE);
  }

  release(code: number = ErrorCode.NONE): void {
    const next = this.releases.shift();
    if (!next) throw new Error('nothing asked');
    next(code);
  }
}

function handlerFor(partition: Replica, verifier: TransactionVerifier) {
  const ctx = {
    config: { legacyApiVersions: true },
    replicas: { leaderPartition: () => partition },
    transactionVerifier: verifier,
    // No ACLs on this listener: every request is allowed, as on an unauthenticated PLAINTEXT one.
    authorizer: { access: () => ({ allows: () => true, allowsCluster: () => true, allowsAny: () => true }) },
    traffic: { produced: () => undefined },
    log: silentLogger,
  } as unknown as BrokerContext;
  const handler = produceHandler(ctx);
  const context = {
    apiVersion: 9,
    connection: { close: () => undefined },
    timing: new RequestTiming(),
  } as unknown as RequestContext;
  return async (seq: number, epoch = 0): Promise<{ errorCode: number; baseOffset: number }> => {
    const batch = buildRecordBatch([{ key: null, value: Buffer.from(`v${seq}`), timestamp: 1 }], {
      producerId: 77,
      producerEpoch: epoch,
      baseSequence: seq,
      transactional: true,
    });
    const request: ProduceRequest = {
      transactionalId: 'tx-77',
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: batch }] }],
    };
    const response = (await handler.handle(request, context)) as ProduceResponse;
    return response.responses[0]!.partitionResponses[0]!;
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('produce asks the transaction coordinator before a transaction opens on a partition', () => {
  it('holds the first batch and the ones behind it until the answer, then appends them in order', async () => {
    const partition = await leaderPartition();
    const verifier = new HeldVerifier();
    const produce = handlerFor(partition, verifier);
    const first = produce(0);
    const second = produce(1); // pipelined: must not overtake the first
    await settle();
    expect(partition.logEndOffset).toBe(0);
    expect(verifier.asked).toEqual([
      { transactionalId: 'tx-77', producerId: 77, producerEpoch: 0, partitions: [{ topic: 't', partition: 0 }] },
      { transactionalId: 'tx-77', producerId: 77, producerEpoch: 0, partitions: [{ topic: 't', partition: 0 }] },
    ]);
    verifier.release();
    verifier.release();
    expect(await first).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0 });
    expect(await second).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 1 });
    // Inside the open transaction nothing more is asked.
    expect(await produce(2)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2 });
    expect(verifier.asked).toHaveLength(2);
  });

  it("answers the coordinator's refusal and appends nothing", async () => {
    const partition = await leaderPartition();
    const verifier = new HeldVerifier();
    const produce = handlerFor(partition, verifier);
    const refused = produce(0);
    await settle();
    verifier.release(ErrorCode.INVALID_TXN_STATE);
    expect((await refused).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(partition.logEndOffset).toBe(0);
  });

  it('a marker of the producer landing while the coordinator is asked voids the verification', async () => {
    const partition = await leaderPartition();
    const verifier = new HeldVerifier();
    const produce = handlerFor(partition, verifier);
    // The first batch of a transaction to this partition is delayed in the coordinator's check;
    // meanwhile the transaction ends (its marker lands here, ending nothing on this partition).
    const late = produce(0);
    await settle();
    const markerBatch = buildMarkerBatch({
      producerId: 77,
      producerEpoch: 0,
      committed: false,
      coordinatorEpoch: 0,
      timestampMs: 1,
    });
    partition.append([markerBatch], { origin: 'coordinator', messageCount: 1 });
    // The coordinator's yes reflects the moment it was asked: the batch must not open a
    // transaction nobody will end.
    verifier.release(ErrorCode.NONE);
    expect((await late).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(partition.ongoingTransaction(77)).toBeNull();
    expect(partition.logEndOffset).toBe(1);
  });
});
