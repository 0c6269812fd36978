// The versions Kafka 4.0 removed (KIP-896), served as Kafka 3.x did, against real node processes
// with exact bytes: Produce v0-2 with message formats v0/v1 converted into record batches v2,
// Fetch v0-3 converted down, OffsetCommit v0-1 and OffsetFetch v0; hostile message sets answered
// per partition; and --legacy-api-versions=false, which restores Kafka 4's ranges and refusals.
// Message sets are decoded with kafkajs's own decoder (an independent reader of the old formats).
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from '../../src/common/crc32.js';
import { ErrorCode } from '../../src/common/errors.js';
import {
  Compression,
  compress,
  compressionOf,
  decodeRecords,
  readBatchHeader,
  splitBatches,
} from '../../src/storage/index.js';
import { encodeMessageSet } from '../../src/storage/message-set.js';
import { startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

const require = createRequire(import.meta.url);
interface KjsMessage {
  offset: string;
  magicByte: number;
  attributes: number;
  timestamp?: string;
  key: Buffer | null;
  value: Buffer | null;
}
const KjsDecoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const kjsDecodeMessageSet = require('kafkajs/src/protocol/messageSet/decoder') as (
  decoder: unknown,
  size: number,
) => Promise<KjsMessage[]>;
const decodeWithKafkajs = (set: Buffer) => kjsDecodeMessageSet(new KjsDecoder(set), set.length);

interface ApiRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

let legacyNode: NodeProcess;
let strictNode: NodeProcess;
let client: RawClient;

const values = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}-${i}-${'v'.repeat(i % 20)}`);

function messageSet(magic: 0 | 1, payloads: readonly string[], timestampMs = 1_650_000_000_000): Buffer {
  return encodeMessageSet(
    payloads.map((p, i) => ({
      offset: i,
      attributes: 0,
      timestamp: timestampMs + i,
      key: Buffer.from(`k${i}`),
      value: Buffer.from(p),
    })),
    magic,
  );
}

function wrapped(magic: 0 | 1, codec: 1 | 2 | 3, inner: Buffer): Buffer {
  return encodeMessageSet(
    [{ offset: 0, attributes: codec, timestamp: 1_650_000_000_000, key: null, value: compress(codec, inner) }],
    magic,
  );
}

async function produce(
  c: RawClient,
  version: number,
  topic: string,
  records: Buffer,
): Promise<{ errorCode: number; baseOffset: number }> {
  const response = await c.request<{
    responses: { partitionResponses: { errorCode: number; baseOffset: number }[] }[];
  }>(0, version, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  return response.responses[0]!.partitionResponses[0]!;
}

async function fetchRecords(c: RawClient, version: number, topic: string, fetchOffset: number): Promise<Buffer> {
  const response = await c.request<{ responses: { partitions: { errorCode: number; records: Buffer | null }[] }[] }>(
    1,
    version,
    {
      replicaId: -1,
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
    },
  );
  const partition = response.responses[0]!.partitions[0]!;
  expect(partition.errorCode).toBe(0);
  return partition.records ?? Buffer.alloc(0);
}

async function createTopic(c: RawClient, name: string): Promise<void> {
  const response = await c.request<{ topics: { errorCode: number }[] }>(19, 4, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  expect(response.topics[0]!.errorCode).toBe(0);
}

async function ranges(c: RawClient): Promise<Map<number, [number, number]>> {
  const response = await c.request<{ apiKeys: ApiRange[] }>(18, 0, {});
  return new Map(response.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
}

beforeAll(async () => {
  legacyNode = await startSingleNode();
  strictNode = await startSingleNode({ extraArgs: ['--legacy-api-versions', 'false'] });
  client = await RawClient.connect(legacyNode.kafkaPort);
});

afterAll(async () => {
  client?.close();
  await stopAll();
});

describe('the versions Kafka 4 removed, served', () => {
  it('ApiVersions advertises Produce 0-9, Fetch 0-12, OffsetCommit 0-8, OffsetFetch 0-8', async () => {
    const range = await ranges(client);
    expect(range.get(0)).toEqual([0, 9]);
    expect(range.get(1)).toEqual([0, 12]);
    expect(range.get(8)).toEqual([0, 8]);
    expect(range.get(9)).toEqual([0, 8]);
  });

  it('Produce v0 (magic 0) and v2 (magic 1) are stored as record batches v2 with their records', async () => {
    await createTopic(client, 'legacy-produce');
    const v0 = await produce(client, 0, 'legacy-produce', messageSet(0, values(3, 'm0')));
    expect(v0).toMatchObject({ errorCode: 0, baseOffset: 0 });
    const v2 = await produce(client, 2, 'legacy-produce', messageSet(1, values(4, 'm1'), 1_700_000_000_000));
    expect(v2).toMatchObject({ errorCode: 0, baseOffset: 3 });
    const stored = splitBatches(await fetchRecords(client, 4, 'legacy-produce', 0));
    expect(stored.map((b) => readBatchHeader(b).magic)).toEqual([2, 2]);
    const records = stored.flatMap((b) => decodeRecords(b));
    expect(records.map((r) => r.value?.toString())).toEqual([...values(3, 'm0'), ...values(4, 'm1')]);
    expect(records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // v0 has no timestamps (NO_TIMESTAMP); v1 keeps the producer's.
    expect(records.map((r) => r.timestamp)).toEqual([
      -1, -1, -1, 1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002, 1_700_000_000_003,
    ]);
  });

  it('compressed wrappers are unwrapped and the batch keeps their codec', async () => {
    await createTopic(client, 'legacy-compressed');
    for (const [magic, codec] of [
      [0, Compression.gzip],
      [1, Compression.snappy],
      [1, Compression.lz4],
    ] as const) {
      const result = await produce(
        client,
        2,
        'legacy-compressed',
        wrapped(magic, codec, messageSet(magic, values(5, `c${codec}`))),
      );
      expect(result.errorCode).toBe(0);
    }
    const stored = splitBatches(await fetchRecords(client, 4, 'legacy-compressed', 0));
    expect(stored.map((b) => compressionOf(readBatchHeader(b).attributes))).toEqual([1, 2, 3]);
    expect(stored.flatMap((b) => decodeRecords(b)).map((r) => r.offset)).toEqual(
      Array.from({ length: 15 }, (_, i) => i),
    );
  });

  it('Fetch v0-1 answer message format v0 and v2-3 v1, which an old reader decodes to the stored records', async () => {
    for (const [version, magic] of [
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 1],
    ] as const) {
      const messages = await decodeWithKafkajs(await fetchRecords(client, version, 'legacy-produce', 0));
      expect(messages.map((m) => m.magicByte)).toEqual(Array.from({ length: 7 }, () => magic));
      expect(messages.map((m) => Number(m.offset))).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(messages.map((m) => m.value?.toString())).toEqual([...values(3, 'm0'), ...values(4, 'm1')]);
      if (magic === 1)
        expect(messages.slice(3).map((m) => Number(m.timestamp))).toEqual([
          1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002, 1_700_000_000_003,
        ]);
    }
    // From an offset inside a batch: the records before it are left out.
    const fromFive = await decodeWithKafkajs(await fetchRecords(client, 2, 'legacy-produce', 5));
    expect(fromFive.map((m) => Number(m.offset))).toEqual([5, 6]);
    // Compressed batches stay compressed (gzip wrapper for v0) and decode to absolute offsets.
    const compressed = await fetchRecords(client, 0, 'legacy-compressed', 0);
    expect(compressed.readInt8(17) & 7).toBe(Compression.gzip);
    expect(
      (await decodeWithKafkajs(compressed.subarray(0, 12 + compressed.readInt32BE(8)))).map((m) => Number(m.offset)),
    ).toEqual([0, 1, 2, 3, 4]);
  });

  it('hostile message sets are refused per partition and nothing is stored', async () => {
    await createTopic(client, 'legacy-hostile');
    const good = messageSet(1, values(3, 'h'));
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 1] = (badCrc[badCrc.length - 1] as number) ^ 1;
    expect((await produce(client, 2, 'legacy-hostile', badCrc)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await produce(client, 2, 'legacy-hostile', good.subarray(0, good.length - 3))).errorCode).toBe(
      ErrorCode.CORRUPT_MESSAGE,
    );
    const nested = wrapped(1, Compression.gzip, wrapped(1, Compression.gzip, good));
    expect((await produce(client, 2, 'legacy-hostile', nested)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    const bomb = wrapped(
      1,
      Compression.gzip,
      encodeMessageSet([{ offset: 0, attributes: 0, timestamp: 0, key: null, value: Buffer.alloc(80 << 20) }], 1),
    );
    expect((await produce(client, 2, 'legacy-hostile', bomb)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const zstd = Buffer.from(good.subarray(0, 12 + good.readInt32BE(8)));
    zstd.writeInt8(Compression.zstd, 17);
    zstd.writeUInt32BE(crc32(zstd.subarray(16)), 12);
    expect((await produce(client, 2, 'legacy-hostile', zstd)).errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect(await fetchRecords(client, 4, 'legacy-hostile', 0)).toHaveLength(0);
  });

  it('OffsetCommit v0 and v1 commits are read back by OffsetFetch v0 and v1', async () => {
    const commit = async (version: number, offset: number) => {
      const response = await client.request<{ topics: { partitions: { errorCode: number }[] }[] }>(8, version, {
        groupId: 'old-group',
        generationIdOrMemberEpoch: -1,
        memberId: '',
        topics: [
          {
            name: 'legacy-produce',
            partitions: [{ partitionIndex: 0, committedOffset: offset, commitTimestamp: -1, committedMetadata: 'm' }],
          },
        ],
      });
      expect(response.topics[0]!.partitions[0]!.errorCode).toBe(0);
    };
    const fetchCommitted = async (version: number) => {
      const response = await client.request<{
        topics: { partitions: { committedOffset: number; metadata: string; errorCode: number }[] }[];
      }>(9, version, {
        groupId: 'old-group',
        topics: [{ name: 'legacy-produce', partitionIndexes: [0] }],
      });
      return response.topics[0]!.partitions[0]!;
    };
    await commit(0, 3);
    expect(await fetchCommitted(0)).toMatchObject({ committedOffset: 3, metadata: 'm', errorCode: 0 });
    await commit(1, 5);
    expect(await fetchCommitted(0)).toMatchObject({ committedOffset: 5 });
    expect(await fetchCommitted(1)).toMatchObject({ committedOffset: 5 });
  });
});

describe('--legacy-api-versions false: Kafka 4 strictness', () => {
  let strict: RawClient;

  beforeAll(async () => {
    strict = await RawClient.connect(strictNode.kafkaPort);
  });

  afterAll(() => strict?.close());

  it('advertises Fetch 4-12, OffsetCommit 2-8, OffsetFetch 1-8 and keeps Produce 0-9 for librdkafka', async () => {
    const range = await ranges(strict);
    expect(range.get(0)).toEqual([0, 9]);
    expect(range.get(1)).toEqual([4, 12]);
    expect(range.get(8)).toEqual([2, 8]);
    expect(range.get(9)).toEqual([1, 8]);
  });

  it('refuses message sets with UNSUPPORTED_FOR_MESSAGE_FORMAT and closes on Fetch v3', async () => {
    await createTopic(strict, 'strict');
    expect((await produce(strict, 2, 'strict', messageSet(1, values(2, 's')))).errorCode).toBe(
      ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
    );
    await expect(fetchRecords(strict, 3, 'strict', 0)).rejects.toThrow(/closed/);
  });
});
