// Transactions with @platformatic/kafka 1.x (Producer.beginTransaction(), Transaction.send/commit/
// abort) against a real node: a committed transaction is seen whole by a read_committed
// consumer, an aborted one never; a read_uncommitted consumer sees both, so the abort is the
// isolation level's doing and not a lost write. A second producer with the same transactional.id
// fences the first: the first's open transaction is aborted, its later send and its commit refused.
// Consume-transform-produce (Transaction.addConsumer/addOffset, the client's sendOffsets) is
// exactly-once across an abort: a step's offsets become the group's with its commit and vanish
// with its abort, so the next member re-reads what the aborted step took.
//
// The client sends InitProducerId with producer id 0 and epoch 0 unless it is given others, which
// KIP-360 reads as "I am producer 0 at epoch 0". Kafka answers PRODUCER_FENCED to that when the
// transactional id holds another producer id, so a second producer of an id only starts when it
// is given -1 and -1 (a fresh producer's values), which these producers are.
import {
  Consumer,
  FetchIsolationLevels,
  type Message,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startSingleNode, stopAll, waitFor, type NodeProcess } from '../helpers/node-process.js';

const TOPIC = 'plat-txn';
const FENCE_TOPIC = 'plat-txn-fence';
const INPUT_TOPIC = 'plat-ctp-in';
const OUTPUT_TOPIC = 'plat-ctp-out';
const GROUP = 'plat-ctp';
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
    topics: [TOPIC, FENCE_TOPIC, INPUT_TOPIC, OUTPUT_TOPIC].map((topic) => ({ topic, numPartitions: PARTITIONS })),
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

/** The offset GROUP has committed on INPUT_TOPIC's partition 0 (-1: none). */
async function committedInputOffset(): Promise<number> {
  const [topic] = await admin.fetchOffsets({ groupId: GROUP, topics: [INPUT_TOPIC] });
  return Number(topic?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
}

/**
 * One consume-transform-produce step: a fresh member of GROUP resumes at the group's committed
 * offset, takes `count` input records and writes `out-<value>` for each in one transaction with
 * the offset after the last, then commits or aborts it. Returns the input values it took.
 */
async function transformOnce(
  producer: Producer<string, string, string, string>,
  count: number,
  commit: boolean,
): Promise<string[]> {
  const consumer = new Consumer({
    groupId: GROUP,
    clientId: 'plat-ctp-member',
    bootstrapBrokers: [node.bootstrap],
    deserializers: stringDeserializers,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  });
  closers.push(() => consumer.close());
  const stream = await consumer.consume({
    topics: [INPUT_TOPIC],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    autocommit: false,
    maxWaitTime: 200,
  });
  const taken: Message<string, string, string, string>[] = [];
  stream.on('data', (message: Message<string, string, string, string>) => {
    if (taken.length < count) taken.push(message);
  });
  await waitFor(`${count} input records`, () => Promise.resolve(taken.length === count));
  stream.pause();
  const txn = await producer.beginTransaction();
  await txn.addConsumer(consumer);
  await txn.send({
    messages: taken.map((m) => ({ topic: OUTPUT_TOPIC, partition: 0, value: `out-${m.value}` })),
  });
  await txn.addOffset(taken[taken.length - 1] as Message<string, string, string, string>);
  if (commit) await txn.commit();
  else await txn.abort();
  await stream.close();
  await consumer.close();
  return taken.map((m) => m.value);
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

  it('consume-transform-produce is exactly-once across an abort: offsets commit and vanish with their transaction', async () => {
    const inputs = Array.from({ length: 10 }, (_, i) => `in-${i}`);
    const source = new Producer({
      clientId: 'plat-ctp-source',
      bootstrapBrokers: [node.bootstrap],
      serializers: stringSerializers,
    });
    closers.push(() => source.close());
    await source.send({ messages: inputs.map((value) => ({ topic: INPUT_TOPIC, partition: 0, value })) });
    const producer = transactionalProducer('plat-ctp', 'plat-ctp-producer');

    expect(await transformOnce(producer, 4, true)).toEqual(inputs.slice(0, 4));
    // The offset becomes the group's when the commit marker lands on __consumer_offsets.
    await waitFor('the committed offset', async () => (await committedInputOffset()) === 4);
    expect(await transformOnce(producer, 3, false)).toEqual(inputs.slice(4, 7));
    expect(await committedInputOffset()).toBe(4);
    // The aborted step's offset vanished with it: the next member starts where the commit left off.
    expect(await transformOnce(producer, 6, true)).toEqual(inputs.slice(4));
    await waitFor('the committed offset', async () => (await committedInputOffset()) === 10);

    const outputs = await consumeAll(OUTPUT_TOPIC, FetchIsolationLevels.READ_COMMITTED, inputs.length);
    expect(outputs).toEqual(inputs.map((value) => `out-${value}`));
  }, 120_000);
});
