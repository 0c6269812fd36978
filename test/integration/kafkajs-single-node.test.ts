// kafkajs against one real node process: admin (create, describe configs, partitions, delete),
// produce with every acks mode and gzip, offsets by earliest/latest/timestamp, delete records,
// and an idempotent producer.
import { CompressionTypes, Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';

let node: NodeProcess;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

beforeAll(async () => {
  node = await startSingleNode();
  kafka = new Kafka({
    clientId: 'brook-test',
    brokers: [node.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await stopAll();
});

describe('admin', () => {
  it('creates topics and reports them in metadata with this node as leader and controller', async () => {
    const created = await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }], waitForLeaders: true });
    expect(created).toBe(true);
    const metadata = await admin.fetchTopicMetadata({ topics: ['orders'] });
    const [topic] = metadata.topics;
    expect(topic?.name).toBe('orders');
    expect(topic?.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    for (const p of topic!.partitions) {
      expect(p.leader).toBe(1);
      expect(p.replicas).toEqual([1]);
    }
    const cluster = await admin.describeCluster();
    expect(cluster.controller).toBe(1);
    expect(cluster.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: node.kafkaPort }]);
  });

  it('refuses a topic that already exists and an invalid name', async () => {
    await expect(admin.createTopics({ topics: [{ topic: 'orders' }] })).resolves.toBe(false);
    await expect(admin.createTopics({ topics: [{ topic: 'bad/name' }] })).rejects.toThrow();
  });

  it('describes every topic config with defaults and explicit values', async () => {
    await admin.createTopics({
      topics: [{ topic: 'configured', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
    });
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: 'configured' }],
    });
    const entries = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e]));
    expect(entries.get('retention.ms')?.configValue).toBe('3600000');
    expect(entries.get('retention.ms')?.isDefault).toBe(false);
    expect(entries.get('cleanup.policy')?.configValue).toBe('delete');
    expect(entries.get('cleanup.policy')?.isDefault).toBe(true);
    expect(entries.get('min.insync.replicas')?.configValue).toBe('1');
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: 'configured', configEntries: [{ name: 'retention.ms', value: '7200000' }] }],
    });
    const after = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: 'configured', configNames: ['retention.ms'] }],
    });
    expect(after.resources[0]!.configEntries).toHaveLength(1);
    expect(after.resources[0]!.configEntries[0]!.configValue).toBe('7200000');
  });

  it('refuses unknown configs with INVALID_CONFIG', async () => {
    const error = await admin
      .createTopics({ topics: [{ topic: 'bad-config', configEntries: [{ name: 'no.such.config', value: '1' }] }] })
      .catch((err: { errors?: { type: string }[] }) => err);
    expect((error as { errors?: { type: string }[] }).errors?.[0]?.type).toBe('INVALID_CONFIG');
    expect(await admin.listTopics()).not.toContain('bad-config');
  });

  it('grows partitions and deletes topics', async () => {
    await admin.createTopics({ topics: [{ topic: 'growing', numPartitions: 1 }], waitForLeaders: true });
    await admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 4 }] });
    const metadata = await admin.fetchTopicMetadata({ topics: ['growing'] });
    expect(metadata.topics[0]!.partitions).toHaveLength(4);
    await admin.deleteTopics({ topics: ['growing'] });
    const topics = await admin.listTopics();
    expect(topics).not.toContain('growing');
  });
});

describe('produce and offsets', () => {
  it('produces with acks=-1, 1 and 0, assigning consecutive offsets', async () => {
    await admin.createTopics({ topics: [{ topic: 'acks', numPartitions: 1 }], waitForLeaders: true });
    const all = await producer.send({ topic: 'acks', acks: -1, messages: [{ value: 'a' }, { value: 'b' }] });
    expect(all[0]).toMatchObject({ partition: 0, errorCode: 0, baseOffset: '0' });
    const one = await producer.send({ topic: 'acks', acks: 1, messages: [{ value: 'c' }] });
    expect(one[0]).toMatchObject({ errorCode: 0, baseOffset: '2' });
    await producer.send({ topic: 'acks', acks: 0, messages: [{ value: 'd' }] });
    // acks=0 has no response; the next acknowledged write shows the fire-and-forget one landed.
    const next = await producer.send({ topic: 'acks', acks: -1, messages: [{ value: 'e' }] });
    expect(next[0]).toMatchObject({ errorCode: 0, baseOffset: '4' });
    const offsets = await admin.fetchTopicOffsets('acks');
    expect(offsets).toEqual([{ partition: 0, offset: '5', high: '5', low: '0' }]);
  });

  it('stores gzip-compressed batches and counts their records', async () => {
    await admin.createTopics({ topics: [{ topic: 'gzip', numPartitions: 1 }], waitForLeaders: true });
    const messages = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `value-${i}`.repeat(20) }));
    const result = await producer.send({ topic: 'gzip', compression: CompressionTypes.GZIP, messages });
    expect(result[0]).toMatchObject({ errorCode: 0, baseOffset: '0' });
    const offsets = await admin.fetchTopicOffsets('gzip');
    expect(offsets[0]).toMatchObject({ high: '100', low: '0' });
  });

  it('finds offsets by timestamp', async () => {
    await admin.createTopics({ topics: [{ topic: 'timed', numPartitions: 1 }], waitForLeaders: true });
    const base = Date.now() - 100_000;
    for (let i = 0; i < 5; i++) {
      await producer.send({ topic: 'timed', messages: [{ value: `m${i}`, timestamp: String(base + i * 1000) }] });
    }
    const at = await admin.fetchTopicOffsetsByTimestamp('timed', base + 2500);
    expect(at).toEqual([{ partition: 0, offset: '3' }]);
    const first = await admin.fetchTopicOffsetsByTimestamp('timed', base - 1);
    expect(first).toEqual([{ partition: 0, offset: '0' }]);
    const after = await admin.fetchTopicOffsetsByTimestamp('timed', base + 1_000_000);
    // Past the newest record there is no offset; kafkajs then reports the latest.
    expect(after[0]!.offset === '-1' || after[0]!.offset === '5').toBe(true);
  });

  it('deletes records below an offset and moves the low watermark', async () => {
    await admin.createTopics({ topics: [{ topic: 'trimmed', numPartitions: 1 }], waitForLeaders: true });
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'trimmed', messages: [{ value: `m${i}` }] });
    // kafkajs finds partition leaders in the admin's cached metadata; load the new topic into it.
    await admin.fetchTopicMetadata({ topics: ['trimmed'] });
    await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '6' }] });
    const offsets = await admin.fetchTopicOffsets('trimmed');
    expect(offsets[0]).toMatchObject({ low: '6', high: '10' });
  });

  it('auto-creates a topic on first use', async () => {
    const auto = kafka.producer({ allowAutoTopicCreation: true });
    await auto.connect();
    try {
      const result = await auto.send({ topic: 'auto-created', messages: [{ value: 'hello' }] });
      expect(result[0]).toMatchObject({ errorCode: 0, baseOffset: '0' });
      expect(await admin.listTopics()).toContain('auto-created');
    } finally {
      await auto.disconnect();
    }
  });
});

describe('idempotent producer', () => {
  it('gets a producer id and writes each batch once', async () => {
    await admin.createTopics({ topics: [{ topic: 'idempotent', numPartitions: 1 }], waitForLeaders: true });
    const idempotent = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await idempotent.connect();
    try {
      for (let i = 0; i < 20; i++) {
        const [r] = await idempotent.send({ topic: 'idempotent', messages: [{ value: `v${i}` }] });
        expect(r).toMatchObject({ errorCode: 0, baseOffset: String(i) });
      }
    } finally {
      await idempotent.disconnect();
    }
    const offsets = await admin.fetchTopicOffsets('idempotent');
    expect(offsets[0]).toMatchObject({ high: '20' });
  });
});
