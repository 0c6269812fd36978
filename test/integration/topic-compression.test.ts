// Topic-level compression.type against one real node: librdkafka (kcat) and kafkajs produce in
// one codec, the leader stores every batch in the topic's codec (read back raw with Fetch), with
// the same records, offsets, timestamps and producer fields, and consumers read them unchanged.
// AlterConfigs changes the codec for later batches only. message.format.version is accepted and
// reported as Kafka 3.x did, with no effect. Skipped without kcat (never in CI).
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kcat } from '../helpers/kcat.js';
import { startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { kcatAvailable, requireTool } from '../helpers/tools.js';
import { compressionOf, decodeRecords, readBatchHeader, splitBatches } from '../../src/storage/index.js';

const run = requireTool('kcat', kcatAvailable);
const CODEC_IDS = { uncompressed: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
type TopicCodec = keyof typeof CODEC_IDS;

describe.runIf(run)('topic compression.type', () => {
  let node: NodeProcess;
  let admin: Admin;
  let raw: RawClient;

  beforeAll(async () => {
    node = await startSingleNode();
    const kafka = new Kafka({ brokers: [node.bootstrap], clientId: 'compression-test', logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    raw = await RawClient.connect(node.kafkaPort);
  });

  afterAll(async () => {
    raw?.close();
    await admin?.disconnect();
    await stopAll();
  });

  async function createTopic(topic: string, codec: string): Promise<void> {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'compression.type', value: codec }] }],
      waitForLeaders: true,
    });
  }

  async function storedBatches(topic: string): Promise<Buffer[]> {
    const data = await raw.fetchPartition(topic, 0, 0, 16 << 20);
    expect(data.errorCode).toBe(0);
    return data.records && data.records.length > 0 ? splitBatches(data.records) : [];
  }

  async function produceWithKcat(topic: string, lines: readonly string[], extra: readonly string[]): Promise<void> {
    const result = await kcat(
      ['-b', node.bootstrap, '-P', '-t', topic, '-K', ':', '-X', 'linger.ms=20', ...extra],
      lines.join('\n') + '\n',
    );
    expect(result.code, result.stderr).toBe(0);
  }

  async function consumeWithKcat(topic: string): Promise<{ key: string | null; payload: string; offset: number }[]> {
    const result = await kcat(['-b', node.bootstrap, '-C', '-t', topic, '-J', '-e', '-q', '-o', 'beginning']);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { key: string | null; payload: string; offset: number });
  }

  it('an uncompressed, idempotent kcat producer writing to a gzip topic gets gzip batches with its records', async () => {
    await createTopic('to-gzip', 'gzip');
    const lines = Array.from({ length: 300 }, (_, i) => `k${i}:value-${i}-${'y'.repeat(i % 40)}`);
    await produceWithKcat('to-gzip', lines, ['-z', 'none', '-X', 'enable.idempotence=true']);
    const batches = await storedBatches('to-gzip');
    expect(batches.length).toBeGreaterThan(0);
    const headers = batches.map((b) => readBatchHeader(b));
    expect(new Set(headers.map((h) => compressionOf(h.attributes)))).toEqual(new Set([CODEC_IDS.gzip]));
    // Producer id, epoch and sequences survive the recompression (the sequence runs on per batch).
    expect(headers.every((h) => h.producerId >= 0 && h.producerEpoch >= 0)).toBe(true);
    let expectedSequence = 0;
    for (const h of headers) {
      expect(h.baseSequence).toBe(expectedSequence);
      expectedSequence += h.recordsCount;
    }
    const records = batches.flatMap((b) => decodeRecords(b));
    expect(records.map((r) => r.offset)).toEqual(lines.map((_, i) => i));
    expect(records.map((r) => `${r.key?.toString()}:${r.value?.toString()}`)).toEqual(lines);
    const consumed = await consumeWithKcat('to-gzip');
    expect(consumed.map((m) => `${m.key}:${m.payload}`)).toEqual(lines);
    expect(consumed.map((m) => m.offset)).toEqual(lines.map((_, i) => i));
  });

  for (const codec of Object.keys(CODEC_IDS) as TopicCodec[]) {
    it(`a ${codec} topic stores gzip and zstd batches from kcat as ${codec}`, async () => {
      const topic = `as-${codec}`;
      await createTopic(topic, codec);
      const lines = Array.from({ length: 200 }, (_, i) => `key-${i}:${codec}-${i}-${'z'.repeat(i % 30)}`);
      await produceWithKcat(topic, lines.slice(0, 100), ['-z', 'gzip']);
      await produceWithKcat(topic, lines.slice(100), ['-z', 'zstd']);
      const batches = await storedBatches(topic);
      expect(new Set(batches.map((b) => compressionOf(readBatchHeader(b).attributes)))).toEqual(
        new Set([CODEC_IDS[codec]]),
      );
      const consumed = await consumeWithKcat(topic);
      expect(consumed.map((m) => `${m.key}:${m.payload}`)).toEqual(lines);
    });
  }

  it('kafkajs producing uncompressed to a gzip topic; its timestamps are kept', async () => {
    await createTopic('kafkajs-gzip', 'gzip');
    const kafka = new Kafka({ brokers: [node.bootstrap], clientId: 'kjs', logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const base = Date.now() - 10_000;
    const messages = Array.from({ length: 20 }, (_, i) => ({
      key: `k${i}`,
      value: `v${i}`,
      timestamp: String(base + i * 7),
      headers: { h: `x${i}` },
    }));
    await producer.send({ topic: 'kafkajs-gzip', messages });
    await producer.disconnect();
    const [batch] = await storedBatches('kafkajs-gzip');
    expect(compressionOf(readBatchHeader(batch!).attributes)).toBe(CODEC_IDS.gzip);
    const records = decodeRecords(batch!);
    expect(records.map((r) => r.timestamp)).toEqual(messages.map((m) => Number(m.timestamp)));
    expect(records.map((r) => r.headers[0]?.value?.toString())).toEqual(messages.map((m) => m.headers.h));
    expect(records.map((r) => r.offset)).toEqual(messages.map((_, i) => i));
  });

  it('producer keeps what was sent; AlterConfigs changes the codec for later batches only', async () => {
    await createTopic('altered', 'producer');
    // Long values: librdkafka sends a batch uncompressed when compressing does not shrink it.
    const values = ['1', '2', '3', '4'].map((v) => v.repeat(500));
    await produceWithKcat('altered', [`a:${values[0]}`, `b:${values[1]}`], ['-z', 'snappy']);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: 'altered', configEntries: [{ name: 'compression.type', value: 'lz4' }] }],
    });
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: 'altered', configNames: ['compression.type'] }],
    });
    expect(described.resources[0]?.configEntries[0]?.configValue).toBe('lz4');
    await produceWithKcat('altered', [`c:${values[2]}`, `d:${values[3]}`], ['-z', 'snappy']);
    const codecs = (await storedBatches('altered')).map((b) => compressionOf(readBatchHeader(b).attributes));
    expect(codecs[0]).toBe(CODEC_IDS.snappy);
    expect(codecs.at(-1)).toBe(CODEC_IDS.lz4);
    expect((await consumeWithKcat('altered')).map((m) => m.payload)).toEqual(values);
  });

  it('message.format.version is accepted as Kafka 3.x did and reported by DescribeConfigs', async () => {
    await admin.createTopics({
      topics: [
        { topic: 'old-format', numPartitions: 1, configEntries: [{ name: 'message.format.version', value: '0.10.2' }] },
      ],
      waitForLeaders: true,
    });
    const describe = async () =>
      (
        await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: 2, name: 'old-format', configNames: ['message.format.version'] }],
        })
      ).resources[0]?.configEntries[0]?.configValue;
    expect(await describe()).toBe('0.10.2');
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: 2, name: 'old-format', configEntries: [{ name: 'message.format.version', value: '2.8-IV1' }] },
      ],
    });
    expect(await describe()).toBe('2.8-IV1');
    // No effect on what is stored: a batch v2, as produced.
    await produceWithKcat('old-format', ['k:v'], []);
    expect((await storedBatches('old-format')).map((b) => readBatchHeader(b).magic)).toEqual([2]);
    const refused = await admin
      .createTopics({
        topics: [{ topic: 'bad-format', configEntries: [{ name: 'message.format.version', value: '0.10.3' }] }],
      })
      .then(
        () => null,
        (err: unknown) => err as { errors?: { type?: string }[] },
      );
    expect(refused?.errors?.[0]?.type).toBe('INVALID_CONFIG');
  });

  it('refuses an unknown codec with INVALID_CONFIG', async () => {
    const error = await createTopic('bad-codec', 'brotli').then(
      () => null,
      (err: unknown) => err as { errors?: { type?: string }[] },
    );
    expect(error?.errors?.[0]?.type).toBe('INVALID_CONFIG');
  });
});
