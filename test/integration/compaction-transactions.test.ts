// Compaction of transactional data on one real node, as clients see it: a kafkajs transactional
// producer writes rounds of committed and aborted values for the same keys to a compacted topic
// with small segments; once the cleaner has passed them, a read_committed consumer sees exactly
// the latest committed value of each key and no aborted record, and a read_uncommitted consumer
// sees no aborted record either (the cleaner dropped them, as Kafka's does).
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startSingleNode, stopAll, waitFor, type NodeProcess } from '../helpers/node-process.js';

const KEYS = 20;
const ROUNDS = 6;
const PADS = 40;
const TOPIC = 'compacted-transactions';

let node: NodeProcess;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

interface Consumed {
  readonly key: string;
  readonly value: string;
}

/** Every record of the topic from the beginning at one isolation level, once `expected` arrived (or 10 s passed). */
async function consumeAll(readCommitted: boolean, expected: number): Promise<Consumed[]> {
  const consumer = kafka.consumer({
    groupId: `reader-${readCommitted}-${Date.now()}-${Math.random()}`,
    readUncommitted: !readCommitted,
    maxWaitTimeInMs: 200,
  });
  const seen: Consumed[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) =>
        void seen.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' }),
    });
    const deadline = Date.now() + 10_000;
    while (seen.length < expected && Date.now() < deadline) await sleep(100);
    await sleep(1_000); // anything that should not be there has a chance to show up
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

beforeAll(async () => {
  node = await startSingleNode({ extraArgs: ['--log-cleaner-backoff-ms', '100', '--auto-create-topics', 'false'] });
  kafka = new Kafka({ clientId: 'compaction-txn-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      {
        topic: TOPIC,
        numPartitions: 1,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'segment.bytes', value: '4096' },
          { name: 'min.cleanable.dirty.ratio', value: '0.01' },
        ],
      },
    ],
    waitForLeaders: true,
  });
  producer = kafka.producer({ transactionalId: 'compacting', maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  const padding = 'p'.repeat(60);
  for (let round = 0; round < ROUNDS; round++) {
    for (const committed of [true, false]) {
      const txn = await producer.transaction();
      const tag = committed ? 'committed' : 'aborted';
      const messages = [];
      for (let k = 0; k < KEYS; k++) messages.push({ key: `key-${k}`, value: `${tag}-${round}-${k}-${padding}` });
      await txn.send({ topic: TOPIC, messages });
      if (committed) await txn.commit();
      else await txn.abort();
    }
  }
  // Fresh keys past two segments' worth, so all of the above lies in inactive, cleanable segments.
  const txn = await producer.transaction();
  const pads = [];
  for (let i = 0; i < PADS; i++) pads.push({ key: `pad-${i}`, value: padding.repeat(3) });
  await txn.send({ topic: TOPIC, messages: pads });
  await txn.commit();
}, 120_000);

afterAll(async () => {
  await producer?.disconnect().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await stopAll();
});

describe('a compacted topic written in transactions', () => {
  it('keeps the latest committed value of each key and drops the aborted records', async () => {
    const isAborted = (r: Consumed) => r.value.startsWith('aborted-');
    // The aborted records go once the cleaner has passed them; read_uncommitted shows when.
    const uncommitted = await waitFor(
      'the cleaner to drop the aborted records',
      async () => {
        const seen = await consumeAll(false, KEYS + PADS);
        return seen.some(isAborted) ? null : seen;
      },
      90_000,
      500,
    );
    expect(uncommitted.filter((r) => r.key.startsWith('pad-'))).toHaveLength(PADS);

    const committed = await consumeAll(true, KEYS + PADS);
    expect(committed.filter(isAborted)).toEqual([]);
    const keyed = committed.filter((r) => r.key.startsWith('key-'));
    // Exactly one record per key, the last committed round's.
    expect(keyed.map((r) => r.key).sort()).toEqual(Array.from({ length: KEYS }, (_, k) => `key-${k}`).sort());
    for (const r of keyed) expect(r.value.startsWith(`committed-${ROUNDS - 1}-${r.key.slice(4)}-`), r.key).toBe(true);
    expect(committed.filter((r) => r.key.startsWith('pad-'))).toHaveLength(PADS);
  }, 180_000);
});
