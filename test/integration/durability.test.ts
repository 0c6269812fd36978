// Durability of one node under kill -9: produce unique values with acks=all from several
// pipelined connections, kill the process mid-stream without warning, restart it on the same data
// directory, and read everything back. Every acknowledged value must be there exactly once, at the
// offset it was acknowledged with, in order; a clean SIGTERM stop must lose nothing either.
import { afterAll, describe, expect, it } from 'vitest';
import { splitBatches } from '../../src/storage/record-batch.js';
import { buildRecordBatch, decodeRecords } from '../../src/storage/record-codec.js';
import { createNode, sleep, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

interface ProduceResponse {
  responses: { partitionResponses: { errorCode: number; baseOffset: number }[] }[];
}

async function createTopic(client: RawClient, name: string, partitions: number): Promise<void> {
  const response = await client.request<{ topics: { errorCode: number }[] }>(19, 5, {
    topics: [{ name, numPartitions: partitions, replicationFactor: -1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(response.topics[0]!.errorCode).toBe(0);
}

async function readAll(
  client: RawClient,
  topic: string,
  partition: number,
): Promise<{ offset: number; value: string }[]> {
  const out: { offset: number; value: string }[] = [];
  let offset = 0;
  for (let round = 0; round < 10_000; round++) {
    const data = await client.fetchPartition(topic, partition, offset, 4 * 1024 * 1024);
    expect(data.errorCode).toBe(0);
    if (!data.records || data.records.length === 0) break;
    for (const batch of splitBatches(data.records)) {
      for (const record of decodeRecords(batch)) {
        if (record.offset < offset) continue;
        out.push({ offset: record.offset, value: record.value!.toString() });
      }
    }
    offset = out.at(-1)!.offset + 1;
    if (offset >= data.highWatermark) break;
  }
  return out;
}

afterAll(async () => {
  await stopAll();
});

describe('durability of one node', () => {
  it('keeps every acknowledged write across kill -9, exactly once and in order', async () => {
    const node: NodeProcess = await createNode();
    await node.start();
    const partitions = 3;
    const setup = await RawClient.connect(node.kafkaPort);
    await createTopic(setup, 'durable', partitions);
    setup.close();

    // acked[p] maps offset -> value for every acknowledged batch of partition p.
    const acked: Map<number, string>[] = Array.from({ length: partitions }, () => new Map<number, string>());
    let stop = false;
    let sequence = 0;
    const writer = async (connectionIndex: number) => {
      const client = await RawClient.connect(node.kafkaPort);
      const inflight: Promise<void>[] = [];
      // Stop at the kill: requests on a closed connection fail at once, and a loop of settled
      // promises would never yield to the timers.
      while (!stop && !client.isClosed) {
        const partition = (connectionIndex + sequence) % partitions;
        const values = Array.from({ length: 1 + (sequence % 4) }, () => `c${connectionIndex}-${sequence++}`);
        const batch = buildRecordBatch(
          values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() })),
        );
        inflight.push(
          client
            .request<ProduceResponse>(0, 9, {
              transactionalId: null,
              acks: -1,
              timeoutMs: 10_000,
              topicData: [{ name: 'durable', partitionData: [{ index: partition, records: batch }] }],
            })
            .then((response) => {
              const result = response.responses[0]!.partitionResponses[0]!;
              if (result.errorCode !== 0) return;
              values.forEach((v, i) => acked[partition]!.set(result.baseOffset + i, v));
            })
            .catch(() => undefined), // the kill: no answer means not acknowledged
        );
        if (inflight.length >= 8) await inflight.shift();
      }
      await Promise.allSettled(inflight);
      client.close();
    };
    const writers = [0, 1, 2, 3].map(writer);
    await sleep(1500);
    await node.kill();
    stop = true;
    await Promise.all(writers);
    const ackedCount = acked.reduce((n, m) => n + m.size, 0);
    expect(ackedCount).toBeGreaterThan(100);

    await node.start();
    const reader = await RawClient.connect(node.kafkaPort);
    try {
      for (let p = 0; p < partitions; p++) {
        const stored = await readAll(reader, 'durable', p);
        // Offsets are dense and ascending from 0: nothing reordered, nothing stored twice.
        expect(stored.map((r) => r.offset)).toEqual(stored.map((_, i) => i));
        const values = new Set(stored.map((r) => r.value));
        expect(values.size).toBe(stored.length);
        for (const [offset, value] of acked[p]!) {
          expect(stored[offset]?.value, `acknowledged ${value} at ${p}:${offset}`).toBe(value);
        }
      }
      // And the node accepts writes after recovery, continuing the offsets.
      const response = await reader.request<ProduceResponse>(0, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 10_000,
        topicData: [
          {
            name: 'durable',
            partitionData: [
              {
                index: 0,
                records: buildRecordBatch([{ key: null, value: Buffer.from('after'), timestamp: Date.now() }]),
              },
            ],
          },
        ],
      });
      expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    } finally {
      reader.close();
    }
  });

  it('keeps everything across a SIGTERM stop and answers again after restart', async () => {
    const node = await createNode();
    await node.start();
    const client = await RawClient.connect(node.kafkaPort);
    await createTopic(client, 'graceful', 1);
    for (let i = 0; i < 50; i++) {
      await client.request<ProduceResponse>(0, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 10_000,
        topicData: [
          {
            name: 'graceful',
            partitionData: [
              {
                index: 0,
                records: buildRecordBatch([{ key: null, value: Buffer.from(`g${i}`), timestamp: Date.now() }]),
              },
            ],
          },
        ],
      });
    }
    client.close();
    expect(await node.stop()).toBe(0);
    expect(node.logs).toMatch(/stopped/);
    await node.start();
    const reader = await RawClient.connect(node.kafkaPort);
    try {
      const stored = await readAll(reader, 'graceful', 0);
      expect(stored.map((r) => r.value)).toEqual(Array.from({ length: 50 }, (_, i) => `g${i}`));
    } finally {
      reader.close();
    }
  });
});
