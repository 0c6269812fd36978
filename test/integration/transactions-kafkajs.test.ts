// Transactions with kafkajs (producer.transaction(), sendOffsets) against three real node
// processes, so the coordinator's markers and the partition leaders' verifications cross nodes:
// committed transactions are seen whole by read_committed consumers and aborted ones never; a
// second producer with the same transactional.id fences the first; consume-transform-produce is
// exactly-once across an abort in the middle; an open transaction holds back the last stable
// offset until it ends; a transaction left open past its timeout is aborted by the broker.
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { sleep, startCluster, stopAll, waitFor, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;

let nodes: NodeProcess[];
let kafka: Kafka;
let admin: Admin;
const clients: { disconnect(): Promise<void> }[] = [];

beforeAll(async () => {
  // Timed-out transactions are looked for every 500 ms (Kafka's default is 10 s).
  nodes = await startCluster(3, {
    extraArgs: ['--transaction-abort-timed-out-transaction-cleanup-interval-ms', '500'],
  });
  kafka = new Kafka({
    clientId: 'txn-test',
    brokers: nodes.map((n) => n.bootstrap),
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  admin = kafka.admin();
  await admin.connect();
  clients.push(admin);
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.disconnect().catch(() => undefined)));
  await stopAll();
});

async function createTopic(topic: string, partitions: number): Promise<void> {
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 3 }],
    waitForLeaders: true,
  });
}

async function transactionalProducer(transactionalId: string, transactionTimeout = 60_000): Promise<Producer> {
  const producer = kafka.producer({ transactionalId, transactionTimeout, maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  clients.push(producer);
  return producer;
}

/** Every value in `topic` as a consumer of the isolation level sees it, once `expected` values arrived (or 8 s passed). */
async function consumeAll(topic: string, readCommitted: boolean, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({
    groupId: `reader-${topic}-${readCommitted}-${Date.now()}`,
    readUncommitted: !readCommitted,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  clients.push(consumer);
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
  const deadline = Date.now() + 8_000;
  while (values.length < expected && Date.now() < deadline) await sleep(100);
  // A little longer, so anything that should not be there has a chance to show up.
  await sleep(1_000);
  await consumer.disconnect();
  return values;
}

/** Asks each node until the partition's leader answers ListOffsets "latest" at `isolation`. */
async function latestOffset(topic: string, partition: number, isolation: number): Promise<number> {
  return waitFor(`ListOffsets of ${topic}-${partition}`, async () => {
    for (const node of nodes) {
      const client = await RawClient.connect(node.kafkaPort);
      try {
        const response = await client.request<{ topics: { partitions: { errorCode: number; offset: number }[] }[] }>(
          2,
          5,
          {
            replicaId: -1,
            isolationLevel: isolation,
            topics: [
              { name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1 }] },
            ],
          },
        );
        const p = response.topics[0]!.partitions[0]!;
        if (p.errorCode === ErrorCode.NONE) return p.offset;
      } finally {
        client.close();
      }
    }
    return null;
  });
}

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('kafkajs transactions on three nodes', () => {
  it('shows committed transactions whole to read_committed consumers and aborted ones never', async () => {
    await createTopic('txn-visibility', 3);
    const producer = await transactionalProducer('visibility');
    const committedA = values('a', 30);
    const aborted = values('x', 20);
    const committedB = values('b', 10);
    for (const [batch, commit] of [
      [committedA, true],
      [aborted, false],
      [committedB, true],
    ] as const) {
      const txn = await producer.transaction();
      await txn.send({ topic: 'txn-visibility', messages: batch.map((value, i) => ({ value, partition: i % 3 })) });
      if (commit) await txn.commit();
      else await txn.abort();
    }
    const seen = await consumeAll('txn-visibility', true, committedA.length + committedB.length);
    expect(seen.sort()).toEqual([...committedA, ...committedB].sort());
    // The aborted records are in the log: a read_uncommitted consumer sees them.
    const uncommitted = await consumeAll('txn-visibility', false, 60);
    expect(uncommitted.filter((v) => v.startsWith('x-')).sort()).toEqual([...aborted].sort());
  }, 60_000);

  it('fences the first producer when a second one with the same transactional.id starts', async () => {
    await createTopic('txn-fencing', 2);
    const first = await transactionalProducer('fenced-id');
    const txn = await first.transaction();
    await txn.send({ topic: 'txn-fencing', messages: values('zombie', 5).map((value) => ({ value, partition: 0 })) });
    const second = await transactionalProducer('fenced-id');
    // kafkajs initializes a transactional id at its first transaction: this fences the first
    // producer, whose open transaction is aborted at a bumped epoch, so its commit is refused.
    const txn2 = await second.transaction();
    const refused = await txn.commit().then(
      () => null,
      (err: { type?: string; message?: string }) => err.type ?? err.message ?? 'error',
    );
    expect(refused).toMatch(/INVALID_PRODUCER_EPOCH|PRODUCER_FENCED|fenced|epoch/i);
    await txn2.send({ topic: 'txn-fencing', messages: values('live', 5).map((value) => ({ value, partition: 0 })) });
    await txn2.commit();
    expect((await consumeAll('txn-fencing', true, 5)).sort()).toEqual(values('live', 5).sort());
  }, 60_000);

  it('is exactly-once from input to output across an aborted transaction in the middle', async () => {
    await createTopic('ctp-in', 2);
    await createTopic('ctp-out', 2);
    const plain = kafka.producer();
    await plain.connect();
    clients.push(plain);
    const input = values('in', 200);
    await plain.send({ topic: 'ctp-in', messages: input.map((value, i) => ({ value, partition: i % 2 })) });
    const group = 'ctp-group';
    const producer = await transactionalProducer('ctp-processor');
    let batches = 0;
    let abortedOnce = false;

    const runProcessor = async (abortOne: boolean): Promise<Consumer> => {
      const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200, maxBytesPerPartition: 1024 });
      await consumer.connect();
      clients.push(consumer);
      await consumer.subscribe({ topic: 'ctp-in', fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          if (abortedOnce && abortOne) return;
          const txn = await producer.transaction();
          const out = batch.messages.map((m) => ({ value: `out(${m.value!.toString()})`, partition: batch.partition }));
          await txn.send({ topic: 'ctp-out', messages: out });
          const next = Number(batch.messages[batch.messages.length - 1]!.offset) + 1;
          await txn.sendOffsets({
            consumerGroupId: group,
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(next) }] }],
          });
          batches++;
          if (abortOne && batches === 2) {
            // The processor fails in the middle: its output and its offsets must both vanish.
            await txn.abort();
            abortedOnce = true;
            payload.pause();
            return;
          }
          await txn.commit();
          payload.resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
          await payload.heartbeat();
        },
      });
      return consumer;
    };

    const first = await runProcessor(true);
    await waitFor('the aborted transaction', () => Promise.resolve(abortedOnce), 30_000);
    await first.disconnect();
    // A new processor in the same group resumes from the offsets committed in transactions.
    await runProcessor(false);
    const expected = input.map((v) => `out(${v})`);
    const output = await consumeAll('ctp-out', true, expected.length);
    expect(output.length).toBe(expected.length);
    expect([...new Set(output)].sort()).toEqual(expected.sort());
    const offsets = await admin.fetchOffsets({ groupId: group, topics: ['ctp-in'] });
    expect(offsets[0]!.partitions.map((p) => Number(p.offset)).sort()).toEqual([100, 100]);
  }, 90_000);

  it('holds back the last stable offset while a transaction is open', async () => {
    await createTopic('txn-lso', 1);
    const plain = kafka.producer();
    await plain.connect();
    clients.push(plain);
    await plain.send({ topic: 'txn-lso', messages: values('before', 3).map((value) => ({ value, partition: 0 })) });
    const producer = await transactionalProducer('lso-holder');
    const txn = await producer.transaction();
    await txn.send({ topic: 'txn-lso', messages: values('open', 4).map((value) => ({ value, partition: 0 })) });
    await plain.send({ topic: 'txn-lso', messages: values('after', 2).map((value) => ({ value, partition: 0 })) });
    expect(await latestOffset('txn-lso', 0, READ_UNCOMMITTED)).toBe(9);
    expect(await latestOffset('txn-lso', 0, READ_COMMITTED)).toBe(3);
    const whileOpen = await consumeAll('txn-lso', true, 3);
    expect(whileOpen).toEqual(values('before', 3));
    await txn.commit();
    await waitFor('the LSO to reach the end', async () => (await latestOffset('txn-lso', 0, READ_COMMITTED)) >= 10);
    // 3 + 4 + 2 records and the commit marker.
    expect(await latestOffset('txn-lso', 0, READ_COMMITTED)).toBe(10);
  }, 60_000);

  it('aborts a transaction left open past its timeout, fencing its producer', async () => {
    await createTopic('txn-timeout', 1);
    const producer = await transactionalProducer('sleepy', 2_000);
    const txn = await producer.transaction();
    await txn.send({ topic: 'txn-timeout', messages: values('late', 3).map((value) => ({ value, partition: 0 })) });
    expect(await latestOffset('txn-timeout', 0, READ_COMMITTED)).toBe(0);
    // The broker aborts it: the LSO passes the data and the abort marker.
    await waitFor(
      'the broker to abort the transaction',
      async () => (await latestOffset('txn-timeout', 0, READ_COMMITTED)) === 4,
      15_000,
    );
    const described = await describeTransaction('sleepy');
    expect(described).toMatchObject({ errorCode: 0, transactionState: 'CompleteAbort', producerEpoch: 1 });
    const refused = await txn.commit().then(
      () => null,
      (err: { type?: string; message?: string }) => err.type ?? err.message ?? 'error',
    );
    expect(refused).not.toBeNull();
    expect(await consumeAll('txn-timeout', true, 1)).toEqual([]);
  }, 60_000);
});

/** DescribeTransactions at the id's coordinator (FindCoordinator key type 1 first). */
async function describeTransaction(transactionalId: string): Promise<Record<string, unknown>> {
  const client = await RawClient.connect(nodes[0]!.kafkaPort);
  let port: number;
  try {
    const found = await client.request<{ errorCode: number; port: number }>(10, 3, {
      key: transactionalId,
      keyType: 1,
    });
    expect(found.errorCode).toBe(0);
    port = found.port;
  } finally {
    client.close();
  }
  const coordinator = await RawClient.connect(port);
  try {
    const response = await coordinator.request<{ transactionStates: Record<string, unknown>[] }>(65, 0, {
      transactionalIds: [transactionalId],
    });
    return response.transactionStates[0]!;
  } finally {
    coordinator.close();
  }
}
