// Transactions with @platformatic/kafka 1.x (Producer.beginTransaction(), Transaction.send/commit/
// abort) against a real node: a committed transaction is seen whole by a read_committed
// consumer, an aborted one never; a read_uncommitted consumer sees both, so the abort is the
// isolation level's doing and not a lost write. A second producer with the same transactional.id
// fences the first: the first's open transaction is aborted, its later send and its commit refused.
//
// The client sends InitProducerId with producer id 0 and epoch 0 unless it is given others, which
// KIP-360 reads as "I am producer 0 at epoch 0". Kafka answers PRODUCER_FENCED to that when the
// transactional id holds another producer id, so a second producer of an id only starts when it
// is given -1 and -1 (a fresh producer's values), which these producers are.
import {
  Consumer,
  FetchIsolationLevels,
  MessagesStreamModes,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';

const TOPIC = 'plat-txn';
const FENCE_TOPIC = 'plat-txn-fence';
const PARTITIONS = 2;

let node: NodeProcess;
let admin: Admin;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  node = await startSingleNode();
  const kafka = new Kafka({ clientId: 'platformatic-txn', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [TOPIC, FENCE_TOPIC].map((topic) => ({ topic, numPartitions: PARTITIONS })),
    waitForLeaders: true,
  });
}, 60_000);

afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await stopAll();
});

/** A transactional producer of strings, as a fresh producer of its id (see the header); closed in afterAll. */
function transactionalProducer(transactionalId: string, clientId: string): Producer<string, string, string, string> {
  const producer = new Producer({
    clientId,
    bootstrapBrokers: [node.bootstrap],
    serializers: stringSerializers,
    transactionalId,
    idempotent: true,
    producerId: -1n,
    producerEpoch: -1,
  });
  closers.push(() => producer.close());
  return producer;
}

/** The Kafka error names in a @platformatic/kafka error and in the errors it aggregates. */
function protocolErrorIds(err: unknown): string[] {
  if (typeof err !== 'object' || err === null) return [];
  const { apiId, errors } = err as { apiId?: unknown; errors?: unknown };
  const own = typeof apiId === 'string' ? [apiId] : [];
  return Array.isArray(errors) ? [...own, ...errors.flatMap(protocolErrorIds)] : own;
}

/** What a promise was rejected with, or null when it resolved. */
function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (err: unknown) => err ?? new Error('rejected without a reason'),
  );
}

/** Every value of a topic from the beginning at one isolation level, once `expected` arrived (or 10 s passed). */
async function consumeAll(topic: string, isolationLevel: number, expected: number): Promise<string[]> {
  const consumer = new Consumer({
    groupId: `plat-txn-reader-${topic}-${isolationLevel}-${Date.now()}`,
    clientId: `plat-txn-reader-${isolationLevel}`,
    bootstrapBrokers: [node.bootstrap],
    deserializers: stringDeserializers,
    isolationLevel,
  });
  closers.push(() => consumer.close());
  const stream = await consumer.consume({
    topics: [topic],
    mode: MessagesStreamModes.EARLIEST,
    autocommit: false,
    maxWaitTime: 200,
    isolationLevel,
  });
  const values: string[] = [];
  stream.on('data', (message: { value: string }) => void values.push(message.value));
  const deadline = Date.now() + 10_000;
  while (values.length < expected && Date.now() < deadline) await sleep(100);
  await sleep(1_000); // anything that should not be there has a chance to show up
  await stream.close();
  await consumer.close();
  return values;
}

describe('@platformatic/kafka transactions', () => {
  it('shows a committed transaction to read_committed consumers and an aborted one never', async () => {
    const producer = transactionalProducer('plat-txn', 'plat-txn-producer');
    const send = async (values: string[], commit: boolean): Promise<void> => {
      const txn = await producer.beginTransaction();
      await txn.send({ messages: values.map((value, i) => ({ topic: TOPIC, partition: i % PARTITIONS, value })) });
      if (commit) await txn.commit();
      else await txn.abort();
    };
    const committed = Array.from({ length: 10 }, (_, i) => `committed-${i}`);
    const aborted = Array.from({ length: 6 }, (_, i) => `aborted-${i}`);
    const later = Array.from({ length: 4 }, (_, i) => `later-${i}`);
    await send(committed, true);
    await send(aborted, false);
    await send(later, true);

    const readCommitted = await consumeAll(TOPIC, FetchIsolationLevels.READ_COMMITTED, committed.length + later.length);
    expect(readCommitted.sort()).toEqual([...committed, ...later].sort());
    // The aborted records are in the log: only the isolation level hides them.
    const readUncommitted = await consumeAll(
      TOPIC,
      FetchIsolationLevels.READ_UNCOMMITTED,
      committed.length + aborted.length + later.length,
    );
    expect(readUncommitted.sort()).toEqual([...committed, ...aborted, ...later].sort());
  }, 120_000);

  it('fences the first producer once a second one with the same transactional.id begins', async () => {
    const first = transactionalProducer('plat-fence', 'plat-fence-first');
    const zombie = await first.beginTransaction();
    await zombie.send({ messages: [{ topic: FENCE_TOPIC, partition: 0, value: 'zombie-0' }] });
    // The second producer's InitProducerId aborts the first's open transaction at a bumped epoch.
    const second = transactionalProducer('plat-fence', 'plat-fence-second');
    const fencer = await second.beginTransaction();
    await fencer.send({ messages: [{ topic: FENCE_TOPIC, partition: 1, value: 'fencer-0' }] });
    await fencer.commit();

    const lateSend = await rejectionOf(
      zombie.send({ messages: [{ topic: FENCE_TOPIC, partition: 0, value: 'zombie-1' }] }),
    );
    expect(protocolErrorIds(lateSend)).toEqual(['INVALID_PRODUCER_EPOCH']);
    expect(protocolErrorIds(await rejectionOf(zombie.commit()))).toEqual(['PRODUCER_FENCED']);

    expect(await consumeAll(FENCE_TOPIC, FetchIsolationLevels.READ_COMMITTED, 1)).toEqual(['fencer-0']);
    // The zombie's first record was written and then aborted by the fence; its late one never was.
    const readUncommitted = await consumeAll(FENCE_TOPIC, FetchIsolationLevels.READ_UNCOMMITTED, 2);
    expect(readUncommitted.sort()).toEqual(['fencer-0', 'zombie-0']);
  }, 120_000);
});
