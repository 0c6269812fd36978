// @platformatic/kafka 1.x (flexible-only versions: Metadata 9, Produce 7-9, Fetch 12, ListOffsets
// 5+, CreateTopics 7, DeleteTopics 6, DeleteRecords 2) against one real node: admin, produce with
// every acks mode and its compression codecs (stored as sent), offsets by earliest, latest and
// timestamp, fetch, delete records and delete topics.
import { Admin, Consumer, Producer, ProduceAcks, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { storedCodecs } from '../helpers/raw-client.js';

let node: NodeProcess;
let admin: Admin;
let producer: Producer<string, string, string, string>;
let consumer: Consumer<string, string, string, string>;

beforeAll(async () => {
  node = await startSingleNode();
  const bootstrapBrokers = [node.bootstrap];
  admin = new Admin({ clientId: 'platformatic-admin', bootstrapBrokers });
  producer = new Producer({ clientId: 'platformatic-producer', bootstrapBrokers, serializers: stringSerializers });
  consumer = new Consumer({
    clientId: 'platformatic-consumer',
    groupId: 'platformatic-fetch',
    bootstrapBrokers,
    deserializers: stringDeserializers,
  });
});

afterAll(async () => {
  await Promise.allSettled([admin?.close(), producer?.close(), consumer?.close()]);
  await stopAll();
});

/**
 * Sends with acks=all: the tests read right after producing, and acks=1 is answered before the
 * write is durable (the high watermark may not have passed it yet). platformatic 1.x applies its
 * LEADER default per send, so the constructor option would not do.
 */
function sendAll(
  messages: { topic: string; partition: number; value: string; timestamp?: bigint }[],
  compression?: 'gzip' | 'snappy' | 'lz4',
) {
  return producer.send({ acks: ProduceAcks.ALL, messages, ...(compression ? { compression } : {}) });
}

/** Values in a partition from `fetchOffset`, through the client's own Fetch (v12). */
async function fetchValues(topic: string, partition: number, fetchOffset: bigint): Promise<string[]> {
  const response = await consumer.fetch({
    node: 1,
    maxWaitTime: 100,
    topics: [
      {
        topicId: topic,
        partitions: [
          { partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 },
        ],
      },
    ],
  });
  const data = response.responses[0]!.partitions[0]!;
  expect(data.errorCode).toBe(0);
  const values: string[] = [];
  for (const batch of (data.records ?? []) as {
    firstOffset: bigint;
    records: { offsetDelta: number; value: Buffer }[];
  }[]) {
    for (const record of batch.records) {
      if (batch.firstOffset + BigInt(record.offsetDelta) >= fetchOffset) values.push(record.value.toString());
    }
  }
  return values;
}

describe('@platformatic/kafka against a single node', () => {
  it('creates, lists, grows and deletes topics', async () => {
    const created = await admin.createTopics({ topics: ['plat-admin'], partitions: 2, replicas: 1 });
    expect(created.map((t) => [t.name, t.partitions])).toEqual([['plat-admin', 2]]);
    expect(await admin.listTopics()).toContain('plat-admin');
    await admin.createPartitions({ topics: [{ name: 'plat-admin', count: 3, assignments: [] }] });
    const metadata = await admin.metadata({ topics: ['plat-admin'] });
    expect(metadata.topics.get('plat-admin')?.partitionsCount).toBe(3);
    await admin.deleteTopics({ topics: ['plat-admin'] });
    expect(await admin.listTopics()).not.toContain('plat-admin');
  });

  it('produces with acks all, leader and none', async () => {
    await admin.createTopics({ topics: ['plat-acks'], partitions: 1, replicas: 1 });
    const all = await producer.send({
      acks: ProduceAcks.ALL,
      messages: [{ topic: 'plat-acks', partition: 0, value: 'a' }],
    });
    expect(all.offsets).toEqual([{ topic: 'plat-acks', partition: 0, offset: 0n }]);
    const leader = await producer.send({
      acks: ProduceAcks.LEADER,
      messages: [{ topic: 'plat-acks', partition: 0, value: 'b' }],
    });
    expect(leader.offsets).toEqual([{ topic: 'plat-acks', partition: 0, offset: 1n }]);
    await producer.send({
      acks: ProduceAcks.NO_RESPONSE,
      messages: [{ topic: 'plat-acks', partition: 0, value: 'c' }],
    });
    const after = await sendAll([{ topic: 'plat-acks', partition: 0, value: 'd' }]);
    expect(after.offsets).toEqual([{ topic: 'plat-acks', partition: 0, offset: 3n }]);
    expect(await fetchValues('plat-acks', 0, 0n)).toEqual(['a', 'b', 'c', 'd']);
  });

  for (const [codec, id] of [
    ['gzip', 1],
    ['snappy', 2],
    ['lz4', 3],
  ] as const) {
    it(`stores ${codec} batches as sent and serves them back`, async () => {
      const topic = `plat-${codec}`;
      await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
      const values = Array.from({ length: 50 }, (_, i) => `${codec}-${i}-${'z'.repeat(40)}`);
      const sent = await sendAll(
        values.map((value) => ({ topic, partition: 0, value })),
        codec,
      );
      expect(sent.offsets).toEqual([{ topic, partition: 0, offset: 0n }]);
      expect(await storedCodecs(node.kafkaPort, topic)).toEqual([id]);
      expect(await fetchValues(topic, 0, 0n)).toEqual(values);
    });
  }

  it('lists offsets by earliest, latest and timestamp, and fetches from them', async () => {
    await admin.createTopics({ topics: ['plat-offsets'], partitions: 1, replicas: 1 });
    const base = Date.now() - 100_000;
    for (let i = 0; i < 5; i++) {
      await sendAll([{ topic: 'plat-offsets', partition: 0, value: `t${i}`, timestamp: BigInt(base + i * 1000) }]);
    }
    const earliest = await consumer.listOffsets({ topics: ['plat-offsets'], timestamp: -2n });
    const latest = await consumer.listOffsets({ topics: ['plat-offsets'], timestamp: -1n });
    const atThird = await consumer.listOffsets({ topics: ['plat-offsets'], timestamp: BigInt(base + 2000) });
    expect(earliest.get('plat-offsets')).toEqual([0n]);
    expect(latest.get('plat-offsets')).toEqual([5n]);
    expect(atThird.get('plat-offsets')).toEqual([2n]);
    expect(await fetchValues('plat-offsets', 0, atThird.get('plat-offsets')![0]!)).toEqual(['t2', 't3', 't4']);
  });

  it('deletes records and reports the new low watermark', async () => {
    await admin.createTopics({ topics: ['plat-trim'], partitions: 1, replicas: 1 });
    for (let i = 0; i < 8; i++) await sendAll([{ topic: 'plat-trim', partition: 0, value: `r${i}` }]);
    const deleted = await admin.deleteRecords({
      topics: [{ name: 'plat-trim', partitions: [{ partition: 0, offset: 5n }] }],
    });
    expect(deleted[0]!.partitions[0]!.lowWatermark).toBe(5n);
    const earliest = await consumer.listOffsets({ topics: ['plat-trim'], timestamp: -2n });
    expect(earliest.get('plat-trim')).toEqual([5n]);
    expect(await fetchValues('plat-trim', 0, 5n)).toEqual(['r5', 'r6', 'r7']);
  });
});
