// Log compaction on one real node, as clients see it: kafkajs and kcat write compacted topics
// (five rounds over 2,000 keys, tombstones for 200 of them, as the issue tried), and once the
// cleaner has run a consumer from the beginning gets each key once, with its latest value at the
// offset it was written at, and the tombstoned keys gone after delete.retention.ms. A record
// without a key is refused with INVALID_RECORD and nothing is stored. DescribeConfigs reports the
// compaction configs with their sources and broker synonyms. __consumer_offsets is compacted and
// a group's committed offsets survive it and a restart.
import { ConfigResourceTypes, Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kcat } from '../helpers/kcat.js';
import { startSingleNode, stopAll, waitFor, type NodeProcess } from '../helpers/node-process.js';
import { kcatAvailable, requireTool } from '../helpers/tools.js';
import { RawClient } from '../helpers/raw-client.js';
import { decodeRecords, splitBatches } from '../../src/storage/index.js';

const KEYS = 2000;
const ROUNDS = 5;
const TOMBSTONED = 200;
const SEGMENT_BYTES = 16 * 1024;

let node: NodeProcess;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

interface Consumed {
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
}

/** Every record of the topic from the beginning, read with kafkajs (a fresh group each time). */
async function consumeAll(topic: string): Promise<Consumed[]> {
  const end = Number((await admin.fetchTopicOffsets(topic))[0]!.high);
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}-${Math.random()}` });
  const seen: Consumed[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done = false;
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({
          offset: Number(message.offset),
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
        });
        if (Number(message.offset) >= end - 1) done = true;
      },
    });
    await waitFor('the consumer to reach the end', () => Promise.resolve(done), 60_000);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

async function metric(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels}`) && !l.startsWith('#'));
  return line === undefined ? Number.NaN : Number(line.split(' ').at(-1));
}

beforeAll(async () => {
  node = await startSingleNode({
    extraArgs: [
      '--log-cleaner-backoff-ms',
      '100',
      '--min-cleanable-dirty-ratio',
      '0.4',
      '--offsets-topic-partitions',
      '1',
      '--offsets-topic-segment-bytes',
      '4096',
      '--auto-create-topics',
      'false',
    ],
  });
  kafka = new Kafka({ clientId: 'compaction-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
}, 60_000);

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await stopAll();
});

describe('a compacted topic written and read by kafkajs', () => {
  const topic = 'compacted-kafkajs';
  /** The offset each key's latest value was written at, and the value (null: a tombstone). */
  const latest = new Map<string, { offset: number; value: string | null }>();
  let produced = 0;

  beforeAll(async () => {
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.bytes', value: String(SEGMENT_BYTES) },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
            { name: 'delete.retention.ms', value: '3000' },
          ],
        },
      ],
    });
    const send = async (messages: { key: string; value: string | null }[]): Promise<void> => {
      const [result] = await producer.send({ topic, acks: -1, messages });
      const base = Number(result!.baseOffset);
      messages.forEach((m, i) => latest.set(m.key, { offset: base + i, value: m.value }));
      produced += messages.length;
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < KEYS; k += 250) {
        const messages = [];
        for (let j = k; j < k + 250; j++) messages.push({ key: `key-${j}`, value: `round-${round}-value-${j}` });
        await send(messages);
      }
    }
    const tombstones = [];
    for (let j = 0; j < TOMBSTONED; j++) tombstones.push({ key: `key-${j * 10}`, value: null });
    await send(tombstones);
    // Unrelated keys past a segment's worth, so everything above is in inactive segments.
    for (let p = 0; p < 4; p++) {
      const padding = [];
      for (let j = 0; j < 50; j++) padding.push({ key: `pad-${p}-${j}`, value: 'p'.repeat(100) });
      await send(padding);
    }
  }, 120_000);

  it('keeps only the latest value of each key, at the offset it was written at', async () => {
    await waitFor(
      'the cleaner to compact the topic',
      async () => (await metric('brook_log_cleaner_dirty_ratio', `{topic="${topic}",partition="0"}`)) === 0,
      60_000,
      200,
    );
    // Wait for the effect itself: the gauge may be from a look before the last writes.
    const records = await waitFor(
      'the compacted records',
      async () => {
        const all = await consumeAll(topic);
        return all.length < produced / 2 ? all : null;
      },
      60_000,
      500,
    );
    const byKey = new Map<string, Consumed[]>();
    for (const r of records) {
      expect(r.key, `offset ${r.offset} has no key`).not.toBeNull();
      byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), r]);
    }
    for (const [key, { offset, value }] of latest) {
      const seen = byKey.get(key) ?? [];
      if (value === null) {
        // A tombstone: it stays until delete.retention.ms after the cleaner passed it, then goes.
        expect(
          seen.every((r) => r.value === null && r.offset === offset),
          key,
        ).toBe(true);
        continue;
      }
      // The latest value is there, at its offset; an older one may linger only in the active segment.
      expect(seen.at(-1), key).toEqual({ offset, key, value });
    }
    for (let i = 1; i < records.length; i++) expect(records[i]!.offset).toBeGreaterThan(records[i - 1]!.offset);
    expect(await metric('brook_log_cleaner_bytes_written_total')).toBeGreaterThan(0);
    expect(await metric('brook_log_cleaner_passes_total')).toBeGreaterThan(0);
  }, 120_000);

  it('removes the tombstones delete.retention.ms after the cleaner first passed them', async () => {
    const tombstoned = [...latest].filter(([, v]) => v.value === null).map(([k]) => k);
    expect(tombstoned).toHaveLength(TOMBSTONED);
    await waitFor(
      'the tombstones to go',
      async () => {
        const records = await consumeAll(topic);
        const keys = new Set(records.map((r) => r.key));
        return tombstoned.every((k) => !keys.has(k)) ? records : null;
      },
      60_000,
      1000,
    );
  }, 120_000);

  it('refuses a record without a key with INVALID_RECORD and stores nothing', async () => {
    const before = await admin.fetchTopicOffsets(topic);
    const error = await producer
      .send({ topic, acks: -1, messages: [{ key: 'fine', value: 'a' }, { value: 'keyless' }] })
      .then(
        () => null,
        (err: unknown) => err as { type?: string; message?: string },
      );
    expect(error?.type ?? error?.message).toMatch(/INVALID_RECORD|invalid/i);
    expect(await admin.fetchTopicOffsets(topic)).toEqual(before);
  }, 60_000);

  it('reports the compaction configs with their sources and broker synonyms', async () => {
    await admin.createTopics({
      topics: [{ topic: 'compacted-defaults', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    const described = await admin.describeConfigs({
      includeSynonyms: true,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: topic },
        { type: ConfigResourceTypes.TOPIC, name: 'compacted-defaults' },
      ],
    });
    const entry = (resource: number, name: string) =>
      described.resources[resource]!.configEntries.find((e) => e.configName === name)!;
    expect(entry(0, 'min.cleanable.dirty.ratio')).toMatchObject({
      configValue: '0.01',
      isDefault: false,
      configSource: 1,
    });
    expect(entry(0, 'cleanup.policy').configValue).toBe('compact');
    expect(entry(0, 'delete.retention.ms').configValue).toBe('3000');
    // The node was started with --min-cleanable-dirty-ratio 0.4: Kafka's broker synonym, static.
    const ratio = entry(1, 'min.cleanable.dirty.ratio');
    expect(ratio).toMatchObject({ configValue: '0.4', configSource: 4 });
    expect(ratio.configSynonyms.map((s) => s.configName)).toContain('log.cleaner.min.cleanable.ratio');
    expect(entry(1, 'max.compaction.lag.ms').configSynonyms.map((s) => s.configName)).toContain(
      'log.cleaner.max.compaction.lag.ms',
    );
  }, 60_000);
});

describe.runIf(requireTool('kcat', kcatAvailable))('a compacted topic written and read by kcat', () => {
  const topic = 'compacted-kcat';
  const broker = () => ['-b', node.bootstrap];

  it('keeps the latest value of each key and refuses keyless records', async () => {
    await admin.createTopics({
      topics: [
        {
          topic,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.bytes', value: '4096' },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
          ],
        },
      ],
    });
    const lines: string[] = [];
    for (let round = 0; round < 4; round++) for (let k = 0; k < 100; k++) lines.push(`k${k}:r${round}-${k}`);
    for (let p = 0; p < 60; p++) lines.push(`pad${p}:${'x'.repeat(100)}`);
    const produced = await kcat(
      [...broker(), '-P', '-t', topic, '-K:', '-X', 'linger.ms=5', '-X', 'batch.num.messages=20'],
      lines.join('\n') + '\n',
    );
    expect(produced.code, produced.stderr).toBe(0);
    const readAll = async () => {
      const read = await kcat([...broker(), '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-J']);
      expect(read.code, read.stderr).toBe(0);
      return read.stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { offset: number; key: string; payload: string });
    };
    const messages = await waitFor(
      'the cleaner to compact the kcat topic',
      async () => {
        const all = await readAll();
        return all.filter((m) => m.key.startsWith('k')).length < 200 ? all : null;
      },
      60_000,
      500,
    );
    const last = new Map<string, { payload: string; offset: number }>();
    for (const m of messages) last.set(m.key, m);
    for (let k = 0; k < 100; k++) expect(last.get(`k${k}`)?.payload).toBe(`r3-${k}`);
    expect(messages.filter((m) => m.key.startsWith('k')).length).toBeLessThan(200);

    const before = await admin.fetchTopicOffsets(topic);
    const keyless = await kcat([...broker(), '-P', '-t', topic, '-X', 'message.send.max.retries=0'], 'no key\n');
    // INVALID_RECORD as librdkafka names it.
    expect(keyless.stderr).toMatch(/Delivery failed.*Broker failed to validate record/s);
    expect(await admin.fetchTopicOffsets(topic)).toEqual(before);
  }, 120_000);
});

describe('__consumer_offsets', () => {
  it('is compacted, and a group keeps its committed offsets across the cleaning and a restart', async () => {
    const topic = 'tracked';
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
    const groupId = 'committer';
    // Many simple commits (no member) of the same four keys; compaction keeps the last of each.
    const client = await RawClient.connect(node.kafkaPort);
    const commit = (partitions: number[], offset: (p: number) => number) =>
      client.request<{ topics: { partitions: { errorCode: number }[] }[] }>(8, 8, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: topic,
            partitions: partitions.map((p) => ({
              partitionIndex: p,
              committedOffset: offset(p),
              committedLeaderEpoch: -1,
              committedMetadata: null,
            })),
          },
        ],
      });
    try {
      for (let i = 1; i <= 300; i++) {
        const answer = await commit([0, 1, 2], (p) => i * 10 + p);
        expect(answer.topics[0]!.partitions.map((p) => p.errorCode)).toEqual([0, 0, 0]);
      }
      // A tombstone too: the offset of a fourth partition committed, then deleted (OffsetDelete).
      await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
      await commit([3], () => 77);
      const deleted = await client.request<{ errorCode: number }>(47, 0, {
        groupId,
        topics: [{ name: topic, partitions: [{ partitionIndex: 3 }] }],
      });
      expect(deleted.errorCode).toBe(0);
    } finally {
      client.close();
    }
    const wanted = [
      ...[0, 1, 2].map((partition) => ({ partition, offset: String(3000 + partition) })),
      { partition: 3, offset: '-1' },
    ];
    // Compacted: the partition's records, read from its start, are down to about one per key.
    const stored = async (): Promise<{ records: number; highWatermark: number }> => {
      const reader = await RawClient.connect(node.kafkaPort);
      try {
        const data = await reader.fetchPartition('__consumer_offsets', 0, 0, 64 << 20);
        const batches = data.records === null || data.records.length === 0 ? [] : splitBatches(data.records);
        return {
          records: batches.reduce((n, b) => n + decodeRecords(b).length, 0),
          highWatermark: Number(data.highWatermark),
        };
      } finally {
        reader.close();
      }
    };
    const compacted = await waitFor(
      'the cleaner to compact __consumer_offsets',
      async () => {
        const now = await stored();
        return now.records < 100 ? now : null;
      },
      60_000,
      200,
    );
    expect(compacted.highWatermark).toBeGreaterThan(900);
    const fetched = async () =>
      (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions
        .map(({ partition, offset }) => ({ partition, offset }))
        .sort((a, b) => a.partition - b.partition);
    expect(await fetched()).toEqual(wanted);
    await producer.disconnect();
    await admin.disconnect();
    await node.kill();
    await node.start();
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const after = await waitFor(
      'the coordinator to load',
      async () => {
        const partitions = await fetched();
        return partitions[0]?.offset !== '-1' ? partitions : null;
      },
      30_000,
    );
    expect(after).toEqual(wanted);
  }, 180_000);
});
