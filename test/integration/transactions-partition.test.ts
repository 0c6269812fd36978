// Transactions on the partition side, against one real node process, with no transaction
// coordinator: the raw client plays the producer (transactional batches with a transactional id)
// and the coordinator (WriteTxnMarkers). read_committed Fetch and ListOffsets stop at the last
// stable offset, an open transaction holds it back, aborted data is announced in
// aborted_transactions and skipped; kcat (librdkafka, isolation.level=read_committed by default)
// prints committed records only. TxnOffsetCommit offsets appear only once their commit marker
// lands on __consumer_offsets. Producer state and the txn index come back after kill -9.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { offsetsPartitionFor } from '../../src/groups/hash.js';
import { buildRecordBatch, decodeRecords } from '../../src/storage/record-codec.js';
import { isControlBatch, readBatchHeader, splitBatches } from '../../src/storage/record-batch.js';
import { kcat } from '../helpers/kcat.js';
import { startSingleNode, stopAll, waitFor, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { kcatAvailable, requireTool } from '../helpers/tools.js';

let node: NodeProcess;
let client: RawClient;

const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;

interface FetchedPartition {
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
  records: Buffer | null;
}

async function createTopic(name: string): Promise<void> {
  const response = await client.request<{ topics: { errorCode: number }[] }>(19, 5, {
    topics: [{ name, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(response.topics[0]!.errorCode).toBe(0);
}

/** Producer `pid` (epoch `epoch`) sends one batch; transactional unless `transactional` is false. */
async function produce(
  topic: string,
  values: string[],
  pid: number,
  seq: number,
  options: { epoch?: number; transactional?: boolean; transactionalId?: string | null } = {},
) {
  const transactional = options.transactional ?? true;
  const batch = buildRecordBatch(
    values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() })),
    pid < 0 ? {} : { producerId: pid, producerEpoch: options.epoch ?? 0, baseSequence: seq, transactional },
  );
  const response = await client.request<{
    responses: { partitionResponses: { errorCode: number; baseOffset: number }[] }[];
  }>(0, 9, {
    transactionalId:
      options.transactionalId === undefined ? (transactional ? `tx-${pid}` : null) : options.transactionalId,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
  });
  return response.responses[0]!.partitionResponses[0]!;
}

/** WriteTxnMarkers v1 for one partition: the coordinator's side. */
async function endTxn(
  topic: string,
  partition: number,
  pid: number,
  committed: boolean,
  options: { epoch?: number; coordinatorEpoch?: number } = {},
): Promise<number> {
  const response = await client.request<{
    markers: { producerId: number; topics: { partitions: { errorCode: number }[] }[] }[];
  }>(27, 1, {
    markers: [
      {
        producerId: pid,
        producerEpoch: options.epoch ?? 0,
        transactionResult: committed,
        topics: [{ name: topic, partitionIndexes: [partition] }],
        coordinatorEpoch: options.coordinatorEpoch ?? 0,
      },
    ],
  });
  expect(response.markers[0]!.producerId).toBe(pid);
  return response.markers[0]!.topics[0]!.partitions[0]!.errorCode;
}

async function fetch(topic: string, fetchOffset: number, isolationLevel: number): Promise<FetchedPartition> {
  const response = await client.request<{ responses: { partitions: FetchedPartition[] }[] }>(1, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1024 * 1024,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [
          { partition: 0, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1, partitionMaxBytes: 1 << 20 },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
  return response.responses[0]!.partitions[0]!;
}

async function latest(topic: string, isolationLevel: number): Promise<number> {
  const response = await client.request<{ topics: { partitions: { errorCode: number; offset: number }[] }[] }>(2, 5, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
  });
  return response.topics[0]!.partitions[0]!.offset;
}

/**
 * What a read_committed consumer keeps of a fetch (Kafka's consumer rule): control batches are
 * dropped, and a producer named in aborted_transactions has its batches dropped from that offset
 * until its ABORT marker.
 */
function committedValues(data: FetchedPartition): string[] {
  if (!data.records || data.records.length === 0) return [];
  const aborted = [...(data.abortedTransactions ?? [])].sort((a, b) => a.firstOffset - b.firstOffset);
  const skipping = new Set<number>();
  const out: string[] = [];
  for (const batch of splitBatches(data.records)) {
    const header = readBatchHeader(batch);
    while (aborted.length > 0 && aborted[0]!.firstOffset <= header.baseOffset + header.lastOffsetDelta)
      skipping.add(aborted.shift()!.producerId);
    if (isControlBatch(header.attributes)) {
      skipping.delete(header.producerId);
      continue;
    }
    if (skipping.has(header.producerId)) continue;
    out.push(...decodeRecords(batch).map((r) => r.value!.toString()));
  }
  return out;
}

function allValues(data: FetchedPartition): string[] {
  if (!data.records || data.records.length === 0) return [];
  return splitBatches(data.records)
    .filter((b) => !isControlBatch(readBatchHeader(b).attributes))
    .flatMap((b) => decodeRecords(b).map((r) => r.value!.toString()));
}

beforeAll(async () => {
  // The raw client plays the coordinator too: no coordinator to verify its batches with.
  node = await startSingleNode({ extraArgs: ['--transaction-partition-verification-enable', 'false'] });
  client = await RawClient.connect(node.kafkaPort);
});

afterAll(async () => {
  client?.close();
  await stopAll();
});

describe('read_committed against open, committed and aborted transactions', () => {
  const topic = 'txn-reads';

  it('stops at the last stable offset and skips aborted data', async () => {
    await createTopic(topic);
    expect((await produce(topic, ['a1', 'a2'], 5000, 0)).baseOffset).toBe(0); // 0-1, producer A opens
    expect((await produce(topic, ['b1'], 5001, 0)).baseOffset).toBe(2); // 2, producer B opens
    expect((await produce(topic, ['c1'], -1, 0, { transactional: false })).baseOffset).toBe(3); // plain

    // Both open: nothing is stable, though everything is below the high watermark.
    let committed = await fetch(topic, 0, READ_COMMITTED);
    expect(committed).toMatchObject({ highWatermark: 4, lastStableOffset: 0, errorCode: 0 });
    expect(committed.records?.length ?? 0).toBe(0);
    expect(allValues(await fetch(topic, 0, READ_UNCOMMITTED))).toEqual(['a1', 'a2', 'b1', 'c1']);
    expect(await latest(topic, READ_COMMITTED)).toBe(0);
    expect(await latest(topic, READ_UNCOMMITTED)).toBe(4);

    // A commits (marker at 4): stable up to B's first offset.
    expect(await endTxn(topic, 0, 5000, true)).toBe(ErrorCode.NONE);
    committed = await fetch(topic, 0, READ_COMMITTED);
    expect(committed.lastStableOffset).toBe(2);
    expect(committed.abortedTransactions).toEqual([]);
    expect(committedValues(committed)).toEqual(['a1', 'a2']);
    expect(await latest(topic, READ_COMMITTED)).toBe(2);

    // B aborts (marker at 5): everything stable, B's data announced as aborted.
    expect(await endTxn(topic, 0, 5001, false)).toBe(ErrorCode.NONE);
    committed = await fetch(topic, 0, READ_COMMITTED);
    expect(committed).toMatchObject({ highWatermark: 6, lastStableOffset: 6 });
    expect(committed.abortedTransactions).toEqual([{ producerId: 5001, firstOffset: 2 }]);
    expect(committedValues(committed)).toEqual(['a1', 'a2', 'c1']);
    // A fetch past the aborted range is told of no abort.
    expect((await fetch(topic, 6, READ_COMMITTED)).abortedTransactions).toEqual([]);
    // read_uncommitted fetches carry no list.
    expect((await fetch(topic, 0, READ_UNCOMMITTED)).abortedTransactions).toBeNull();
  });

  it('kcat (librdkafka, read_committed) prints committed records only; read_uncommitted prints all', async () => {
    if (!requireTool('kcat', kcatAvailable)) return;
    const args = ['-b', node.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%s\n'];
    const committed = await kcat([...args, '-X', 'isolation.level=read_committed']);
    expect(committed.code, committed.stderr).toBe(0);
    expect(committed.stdout.trim().split('\n')).toEqual(['a1', 'a2', 'c1']);
    const all = await kcat([...args, '-X', 'isolation.level=read_uncommitted']);
    expect(all.stdout.trim().split('\n')).toEqual(['a1', 'a2', 'b1', 'c1']);
  });

  it('an open transaction holds back what a read_committed consumer sees until it ends', async () => {
    if (!requireTool('kcat', kcatAvailable)) return;
    await produce(topic, ['d1'], 5002, 0); // 6: C opens
    await produce(topic, ['e1'], -1, 0, { transactional: false }); // 7
    const args = ['-b', node.bootstrap, '-C', '-t', topic, '-o', '6', '-e', '-f', '%s\n'];
    const held = await kcat(args);
    expect(held.code, held.stderr).toBe(0);
    expect(held.stdout.trim()).toBe(''); // e1 is committed but behind C's open transaction
    expect(await endTxn(topic, 0, 5002, true)).toBe(ErrorCode.NONE);
    const released = await kcat(args);
    expect(released.stdout.trim().split('\n')).toEqual(['d1', 'e1']);
  });
});

describe('a kafkajs consumer (readUncommitted false)', () => {
  it('reads the committed records in order, skipping the aborted ones and the markers', async () => {
    const kafka = new Kafka({ clientId: 'txn-reader', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'txn-reader', readUncommitted: false, maxWaitTimeInMs: 200 });
    const seen: string[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: 'txn-reads', fromBeginning: true });
      await consumer.run({
        eachMessage: ({ message }) => {
          seen.push(message.value!.toString());
          return Promise.resolve();
        },
      });
      await waitFor('five committed records', () => Promise.resolve(seen.length >= 5), 20_000);
      expect(seen).toEqual(['a1', 'a2', 'c1', 'd1', 'e1']);
    } finally {
      await consumer.disconnect();
    }
  });
});

describe('the partition refuses what Kafka refuses', () => {
  const topic = 'txn-refusals';

  it('markers from zombies, transactional batches without an id, late batches after a marker', async () => {
    await createTopic(topic);
    expect((await produce(topic, ['x'], 6000, 0, { epoch: 3 })).errorCode).toBe(ErrorCode.NONE);
    expect(await endTxn(topic, 0, 6000, true, { epoch: 2 })).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await endTxn(topic, 0, 6000, true, { epoch: 3, coordinatorEpoch: 7 })).toBe(ErrorCode.NONE);
    expect(await endTxn(topic, 0, 6000, true, { epoch: 3, coordinatorEpoch: 6 })).toBe(
      ErrorCode.TRANSACTION_COORDINATOR_FENCED,
    );
    // Retried by its coordinator: harmless.
    expect(await endTxn(topic, 0, 6000, true, { epoch: 3, coordinatorEpoch: 7 })).toBe(ErrorCode.NONE);
    expect(await endTxn('no-such-topic', 0, 6000, true)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await produce(topic, ['y'], 6001, 0, { transactionalId: null })).errorCode).toBe(
      ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    );
    // KIP-890 without a coordinator: a batch of the ended transaction's epoch cannot open a new one.
    expect((await produce(topic, ['late'], 6000, 1, { epoch: 3 })).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await produce(topic, ['next'], 6000, 0, { epoch: 4 })).errorCode).toBe(ErrorCode.NONE);
    // A zombie's data batch.
    expect((await produce(topic, ['zombie'], 6000, 1, { epoch: 3 })).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('DescribeProducers shows each producer, its epochs and its open transaction', async () => {
    const response = await client.request<{
      topics: { partitions: { errorCode: number; activeProducers: Record<string, number>[] }[] }[];
    }>(61, 0, { topics: [{ name: topic, partitionIndexes: [0] }] });
    const producers = response.topics[0]!.partitions[0]!.activeProducers;
    expect(producers.find((p) => p['producerId'] === 6000)).toMatchObject({
      producerEpoch: 4,
      lastSequence: 0,
      coordinatorEpoch: 7,
      currentTxnStartOffset: 3,
    });
  });
});

describe('transactional offsets (TxnOffsetCommit) on __consumer_offsets', () => {
  const group = 'txn-group';

  async function fetchOffset(requireStable: boolean): Promise<{ offset: number; errorCode: number }> {
    const response = await client.request<{
      topics: { partitions: { committedOffset: number; errorCode: number }[] }[];
    }>(9, 7, { groupId: group, topics: [{ name: 'orders', partitionIndexes: [0] }], requireStable });
    const p = response.topics[0]!.partitions[0]!;
    return { offset: p.committedOffset, errorCode: p.errorCode };
  }

  async function txnCommit(pid: number, offset: number): Promise<number> {
    const response = await client.request<{ topics: { partitions: { errorCode: number }[] }[] }>(28, 3, {
      transactionalId: `tx-${pid}`,
      groupId: group,
      producerId: pid,
      producerEpoch: 0,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    return response.topics[0]!.partitions[0]!.errorCode;
  }

  it('are seen only after the commit marker, survive a restart, and vanish on abort', async () => {
    await createTopic('orders');
    const offsetsPartition = offsetsPartitionFor(group, 50);
    // The offsets topic is created once the node is up; the coordinator then loads it.
    await waitFor('the group coordinator', async () => (await txnCommit(7000, 42)) === ErrorCode.NONE, 20_000);
    expect(await fetchOffset(false)).toEqual({ offset: -1, errorCode: ErrorCode.NONE });
    expect(await fetchOffset(true)).toEqual({ offset: -1, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
    expect(await endTxn('__consumer_offsets', offsetsPartition, 7000, true)).toBe(ErrorCode.NONE);
    expect(await fetchOffset(true)).toEqual({ offset: 42, errorCode: ErrorCode.NONE });

    expect(await txnCommit(7001, 99)).toBe(ErrorCode.NONE);
    expect(await endTxn('__consumer_offsets', offsetsPartition, 7001, false)).toBe(ErrorCode.NONE);
    expect(await fetchOffset(true)).toEqual({ offset: 42, errorCode: ErrorCode.NONE });
    expect(await txnCommit(7002, 120)).toBe(ErrorCode.NONE); // left open across the restart

    client.close();
    await node.kill();
    await node.start();
    client = await RawClient.connect(node.kafkaPort);
    const loaded = await waitFor(
      'the reloaded group',
      async () => {
        const o = await fetchOffset(false);
        return o.errorCode === ErrorCode.NONE ? o : null;
      },
      20_000,
    );
    expect(loaded.offset).toBe(42);
    expect(await fetchOffset(true)).toEqual({ offset: -1, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
    expect(await endTxn('__consumer_offsets', offsetsPartition, 7002, true)).toBe(ErrorCode.NONE);
    expect(await fetchOffset(true)).toEqual({ offset: 120, errorCode: ErrorCode.NONE });
  });

  it('after kill -9 the partitions keep their open transactions and aborts', async () => {
    // txn-reads: A committed, B aborted, C committed; txn-refusals: producer 6000 open from 3.
    const reads = await fetch('txn-reads', 0, READ_COMMITTED);
    expect(reads.abortedTransactions).toEqual([{ producerId: 5001, firstOffset: 2 }]);
    expect(committedValues(reads)).toEqual(['a1', 'a2', 'c1', 'd1', 'e1']);
    const refusals = await fetch('txn-refusals', 0, READ_COMMITTED);
    expect(refusals.lastStableOffset).toBe(3);
    expect(await endTxn('txn-refusals', 0, 6000, false, { epoch: 4, coordinatorEpoch: 7 })).toBe(ErrorCode.NONE);
    const ended = await fetch('txn-refusals', 0, READ_COMMITTED);
    expect(ended.abortedTransactions).toEqual([{ producerId: 6000, firstOffset: 3 }]);
    expect(committedValues(ended)).toEqual(['x']);
  });
});
