// Consumer fetches read into pooled buffers that the connection gives back once the socket has
// written them (storage/read-buffers.ts). A buffer used again too early would put one fetch's
// bytes into another's response: here four clients each keep three fetches of 10 MB in flight,
// over and over (far more than the socket buffers hold, so writes wait for the clients), from
// partitions whose records differ, and every batch must arrive with a valid CRC and the records
// of its own partition and offset; kcat with check.crcs reads it all too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRecordBatch, decodeRecords } from '../../src/storage/record-codec.js';
import { hasValidCrc, readBatchHeader, splitBatches } from '../../src/storage/record-batch.js';
import { kcat } from '../helpers/kcat.js';
import { startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { kcatAvailable, requireTool } from '../helpers/tools.js';

const PARTITIONS = 4;
const BATCHES_PER_PARTITION = 24;
const RECORDS_PER_BATCH = 50;
const VALUE_BYTES = 2000;

let node: NodeProcess;
let client: RawClient;

function valueOf(partition: number, offset: number): string {
  return `p${partition}-o${offset}-`.padEnd(VALUE_BYTES, String.fromCharCode(97 + ((partition * 7 + offset) % 26)));
}

interface Fetched {
  partitionIndex: number;
  errorCode: number;
  records: Buffer | null;
}

async function fetchAll(via: RawClient): Promise<Fetched[]> {
  const response = await via.request<{ responses: { partitions: Fetched[] }[] }>(1, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 64 * 1024 * 1024,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 'pooled',
        partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({
          partition,
          currentLeaderEpoch: -1,
          fetchOffset: 0,
          logStartOffset: -1,
          partitionMaxBytes: 16 * 1024 * 1024,
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
  return response.responses[0]!.partitions;
}

function check(parts: readonly Fetched[]): number {
  let records = 0;
  for (const part of parts) {
    expect(part.errorCode).toBe(0);
    const batches = splitBatches(part.records!);
    expect(batches.length).toBe(BATCHES_PER_PARTITION);
    for (const batch of batches) {
      expect(hasValidCrc(batch)).toBe(true);
      const { baseOffset } = readBatchHeader(batch);
      decodeRecords(batch).forEach((record, i) => {
        expect(record.value?.toString()).toBe(valueOf(part.partitionIndex, baseOffset + i));
        records++;
      });
    }
  }
  return records;
}

beforeAll(async () => {
  node = await startSingleNode();
  client = await RawClient.connect(node.kafkaPort);
  const created = await client.request<{ topics: { errorCode: number }[] }>(19, 5, {
    topics: [{ name: 'pooled', numPartitions: PARTITIONS, replicationFactor: -1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(created.topics[0]!.errorCode).toBe(0);
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (let b = 0; b < BATCHES_PER_PARTITION; b++) {
      const first = b * RECORDS_PER_BATCH;
      const batch = buildRecordBatch(
        Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({
          key: null,
          value: Buffer.from(valueOf(partition, first + i)),
          timestamp: Date.now(),
        })),
      );
      const response = await client.request<{ responses: { partitionResponses: { errorCode: number }[] }[] }>(0, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 10_000,
        topicData: [{ name: 'pooled', partitionData: [{ index: partition, records: batch }] }],
      });
      expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    }
  }
}, 60_000);

afterAll(async () => {
  client?.close();
  await stopAll();
});

describe('pooled fetch read buffers', () => {
  it('never lets one response carry another read’s bytes, with many fetches in flight', async () => {
    const clients = await Promise.all(Array.from({ length: 4 }, () => RawClient.connect(node.kafkaPort)));
    try {
      const expected = PARTITIONS * BATCHES_PER_PARTITION * RECORDS_PER_BATCH;
      // Each client keeps three fetches in flight (pipelined on its connection), eight times over.
      const rounds = clients.map(async (c) => {
        for (let round = 0; round < 8; round++) {
          const all = await Promise.all([fetchAll(c), fetchAll(c), fetchAll(c)]);
          for (const parts of all) expect(check(parts)).toBe(expected);
        }
      });
      await Promise.all(rounds);
    } finally {
      for (const c of clients) c.close();
    }
  }, 120_000);

  it.runIf(requireTool('kcat', kcatAvailable))(
    'kcat with check.crcs reads every record of every partition',
    async () => {
      const read = await kcat(
        [
          '-b',
          `127.0.0.1:${node.kafkaPort}`,
          '-C',
          '-t',
          'pooled',
          '-o',
          'beginning',
          '-e',
          '-q',
          '-X',
          'check.crcs=true',
          '-X',
          'fetch.message.max.bytes=4194304',
          '-f',
          '%p %o %s\n',
        ],
        undefined,
        60_000,
      );
      expect(read.code).toBe(0);
      const lines = read.stdout.trim().split('\n');
      expect(lines.length).toBe(PARTITIONS * BATCHES_PER_PARTITION * RECORDS_PER_BATCH);
      for (const line of lines) {
        const [partition, offset, value] = line.split(' ');
        expect(value).toBe(valueOf(Number(partition), Number(offset)));
      }
    },
    90_000,
  );
});
