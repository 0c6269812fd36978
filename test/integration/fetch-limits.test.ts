// Fetch size limits against a real node (KIP-74): a response holds at most the request's maxBytes
// and each partition at most its partitionMaxBytes, except that the first batch of the first
// non-empty partition comes whole however large, so a consumer always progresses. Later partitions
// whose next batch does not fit return no records (never a partial batch). librdkafka refuses a
// response larger than receive.message.max.bytes, so a broker that overshoots stalls it for good.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../src/storage/record-codec.js';
import { readBatchHeader, splitBatches } from '../../src/storage/record-batch.js';
import { kcat } from '../helpers/kcat.js';
import { startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { kcatAvailable, requireTool } from '../helpers/tools.js';

const RECORD_BYTES = 900 * 1024;
const PARTITIONS = 3;
const RECORDS_PER_PARTITION = 2;

let node: NodeProcess;
let client: RawClient;

async function createTopic(name: string, partitions: number): Promise<void> {
  const response = await client.request<{ topics: { errorCode: number }[] }>(19, 5, {
    topics: [{ name, numPartitions: partitions, replicationFactor: -1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(response.topics[0]!.errorCode).toBe(0);
}

/** One 900 KiB record per batch, each batch produced on its own. */
async function produceLarge(topic: string, partition: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const value = Buffer.alloc(RECORD_BYTES, 97 + partition);
    const batch = buildRecordBatch([{ key: Buffer.from(`p${partition}-${i}`), value, timestamp: Date.now() }]);
    const response = await client.request<{ responses: { partitionResponses: { errorCode: number }[] }[] }>(0, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
    });
    expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
  }
}

interface FetchedPartition {
  partitionIndex: number;
  errorCode: number;
  records: Buffer | null;
}

/** Fetch v11 of every partition of `topic` from the given offsets (index = partition). */
async function fetchAll(topic: string, offsets: readonly number[], maxBytes: number, partitionMaxBytes: number) {
  const response = await client.request<{ responses: { partitions: FetchedPartition[] }[] }>(1, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: offsets.map((fetchOffset, partition) => ({
          partition,
          currentLeaderEpoch: -1,
          fetchOffset,
          logStartOffset: -1,
          partitionMaxBytes,
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
  return response.responses[0]!.partitions.map((p) => {
    expect(p.errorCode).toBe(0);
    const batches = p.records && p.records.length > 0 ? splitBatches(p.records) : [];
    // splitBatches only accepts whole batches: a partial trailing batch would throw or be left over.
    expect(batches.reduce((sum, b) => sum + b.length, 0)).toBe(p.records?.length ?? 0);
    return { bytes: p.records?.length ?? 0, baseOffsets: batches.map((b) => readBatchHeader(b).baseOffset) };
  });
}

beforeAll(async () => {
  node = await startSingleNode();
  client = await RawClient.connect(node.kafkaPort);
  await createTopic('large', PARTITIONS);
  for (let p = 0; p < PARTITIONS; p++) await produceLarge('large', p, RECORDS_PER_PARTITION);
});

afterAll(async () => {
  client?.close();
  await stopAll();
});

describe('fetch size limits (raw protocol)', () => {
  it('holds the response to maxBytes but for the first batch of the first non-empty partition', async () => {
    const parts = await fetchAll('large', [0, 0, 0], 1_000_000, 20_000_000);
    // The first batch (about 900 KiB) fits; the next one in any partition would pass 1,000,000 bytes.
    expect(parts.map((p) => p.baseOffsets)).toEqual([[0], [], []]);
    expect(parts.reduce((sum, p) => sum + p.bytes, 0)).toBeLessThanOrEqual(1_000_000);
  });

  it('returns a first batch larger than maxBytes whole, and nothing after it', async () => {
    const parts = await fetchAll('large', [0, 0, 0], 1000, 20_000_000);
    expect(parts.map((p) => p.baseOffsets)).toEqual([[0], [], []]);
    expect(parts[0]!.bytes).toBeGreaterThan(RECORD_BYTES);
  });

  it('gives the exception to the first partition that has data, not the first one asked for', async () => {
    const parts = await fetchAll('large', [RECORDS_PER_PARTITION, 1, 0], 1000, 20_000_000);
    expect(parts.map((p) => p.baseOffsets)).toEqual([[], [1], []]);
  });

  it('holds each partition to partitionMaxBytes under the same exception', async () => {
    const parts = await fetchAll('large', [0, 0, 0], 50_000_000, 1000);
    expect(parts.map((p) => p.baseOffsets)).toEqual([[0], [], []]);
    // Limits that add up within maxBytes (the partitions are read at once): the exception still
    // goes to the first partition that has data.
    const later = await fetchAll('large', [RECORDS_PER_PARTITION, 0, 0], 50_000_000, 1000);
    expect(later.map((p) => p.baseOffsets)).toEqual([[], [0], []]);
    // With room for two batches per partition, every partition gets both.
    const roomy = await fetchAll('large', [0, 0, 0], 50_000_000, 2 * RECORD_BYTES + 1000);
    expect(roomy.map((p) => p.baseOffsets)).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
  });
});

describe.runIf(requireTool('kcat', kcatAvailable))('fetch size limits (librdkafka)', () => {
  it('a consumer with fetch.max.bytes below two records reads every partition to the end', async () => {
    const result = await kcat(
      [
        '-b',
        node.bootstrap,
        '-C',
        '-t',
        'large',
        '-o',
        'beginning',
        '-e',
        '-q',
        '-f',
        '%p %o %S\n',
        '-X',
        'fetch.max.bytes=1000000',
        '-X',
        'max.partition.fetch.bytes=20000000',
        '-X',
        'receive.message.max.bytes=1000512',
      ],
      undefined,
      60_000,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('Invalid response size');
    const seen = result.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .sort();
    const expected: string[] = [];
    for (let p = 0; p < PARTITIONS; p++)
      for (let o = 0; o < RECORDS_PER_PARTITION; o++) expected.push(`${p} ${o} ${RECORD_BYTES}`);
    expect(seen).toEqual(expected.sort());
  });
});
