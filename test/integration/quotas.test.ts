// Client quotas against one real node with real clients. A producer_byte_rate quota set with
// @platformatic/kafka's alterClientQuotas (and read back with describeClientQuotas) holds a kafkajs
// producer that sends as fast as it can to its rate, within 10 % over a long run as the test
// measures it (acknowledged bytes over time), while another client producing at the same time is
// not held to it. The answers carry throttle_time_ms (KIP-219). The quota windows are shortened
// (--quota-window-num 3) so a run of 20 s spans many windows; with Kafka's defaults (11 windows of
// 1 s) a new client may send ten seconds' worth at once before its rate settles, so a run would
// need minutes to measure it within 10 %.
import { Admin } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../src/storage/index.js';
import { createNode, type NodeProcess, stopAll } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

const QUOTA_BYTES_PER_S = 512 * 1024;
const RUN_MS = 20_000;
/** The other client offers one batch per this many ms (about 3 MB/s): it must get all of it. */
const FREE_PACE_MS = 20;
const BATCH = Array.from({ length: 16 }, (_, i) => ({ value: Buffer.alloc(4096, i) }));
const BATCH_BYTES = BATCH.reduce((sum, m) => sum + m.value.length, 0);

describe('client quotas', () => {
  let node: NodeProcess;
  let admin: Admin;

  beforeAll(async () => {
    node = await createNode({ extraArgs: ['--quota-window-num', '3', '--quota-window-size-seconds', '1'] });
    await node.start();
    admin = new Admin({ clientId: 'quota-admin', bootstrapBrokers: [node.bootstrap] });
  });

  afterAll(async () => {
    await admin?.close();
    await stopAll();
  });

  it('are set with alterClientQuotas and read back with describeClientQuotas', async () => {
    await admin.alterClientQuotas({
      entries: [
        {
          entities: [{ entityType: 'client-id', entityName: 'throttled' }],
          ops: [{ key: 'producer_byte_rate', value: QUOTA_BYTES_PER_S, remove: false }],
        },
      ],
    });
    const described = await admin.describeClientQuotas({
      components: [{ entityType: 'client-id', matchType: 0, match: 'throttled' }],
    });
    expect(described).toEqual([
      {
        entity: [{ entityType: 'client-id', entityName: 'throttled' }],
        values: [{ key: 'producer_byte_rate', value: QUOTA_BYTES_PER_S }],
      },
    ]);
    const refused = admin.alterClientQuotas({
      entries: [
        {
          entities: [{ entityType: 'client-id', entityName: 'x' }],
          ops: [{ key: 'producer_byte_rate', value: 0, remove: false }],
        },
      ],
    });
    await expect(refused).rejects.toThrow();
  });

  it('hold a producer to its byte rate within 10 % and leave another client unaffected', async () => {
    const producerFor = async (clientId: string) => {
      const kafka = new Kafka({ clientId, brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
      const producer = kafka.producer({ allowAutoTopicCreation: true });
      await producer.connect();
      return producer;
    };
    const throttled = await producerFor('throttled');
    const free = await producerFor('free');
    await throttled.send({ topic: 'quota-a', messages: [{ value: 'warm' }] });
    await free.send({ topic: 'quota-b', messages: [{ value: 'warm' }] });

    // Both send for RUN_MS: the throttled one as fast as it is let, the other at its own pace.
    const startedMs = Date.now();
    const sendFor = async (producer: typeof throttled, topic: string, paceMs: number) => {
      const acks: number[] = [];
      while (Date.now() - startedMs < RUN_MS) {
        const sentMs = Date.now();
        await producer.send({ topic, acks: 1, messages: BATCH });
        acks.push(Date.now() - startedMs);
        const leftMs = paceMs - (Date.now() - sentMs);
        if (leftMs > 0) await new Promise((resolve) => setTimeout(resolve, leftMs));
      }
      return acks;
    };
    const [throttledAcks, freeAcks] = await Promise.all([
      sendFor(throttled, 'quota-a', 0),
      sendFor(free, 'quota-b', FREE_PACE_MS),
    ]);
    await throttled.disconnect();
    await free.disconnect();

    // The rate as a user sees it: acknowledged bytes over the time they took.
    const rate = (acks: readonly number[]) => (acks.length * BATCH_BYTES) / (acks.at(-1)! / 1000);
    const throttledRate = rate(throttledAcks);
    const freeRate = rate(freeAcks);
    const offeredRate = BATCH_BYTES / (FREE_PACE_MS / 1000);
    console.log(
      `quota ${QUOTA_BYTES_PER_S} B/s: throttled client ${throttledRate.toFixed(0)} B/s ` +
        `(${(throttledRate / QUOTA_BYTES_PER_S).toFixed(3)} of it); the other ${freeRate.toFixed(0)} B/s ` +
        `of the ${offeredRate.toFixed(0)} it offered`,
    );
    expect(throttledRate / QUOTA_BYTES_PER_S).toBeGreaterThan(0.9);
    expect(throttledRate / QUOTA_BYTES_PER_S).toBeLessThan(1.1);
    // Not held to the other's quota: it moves several times as fast, at most of the pace it set.
    expect(freeRate).toBeGreaterThan(3 * QUOTA_BYTES_PER_S);
  });

  it('answer an over-quota produce at once with its throttle time', async () => {
    const client = await RawClient.connect(node.kafkaPort, '127.0.0.1', 'throttled');
    try {
      const records = buildRecordBatch([{ key: null, value: Buffer.alloc(900 * 1024), timestamp: Date.now() }]);
      const produce = (): Promise<{
        throttleTimeMs: number;
        responses: { partitionResponses: { errorCode: number }[] }[];
      }> =>
        client.request(0, 8, {
          transactionalId: null,
          acks: 1,
          timeoutMs: 10_000,
          topicData: [{ name: 'quota-a', partitionData: [{ index: 0, records }] }],
        });
      // Two of these exceed 512 KiB/s over any two windows; the second answer says how long to wait.
      await produce();
      const second = await produce();
      expect(second.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
      expect(second.throttleTimeMs).toBeGreaterThan(500);
    } finally {
      client.close();
    }
  });
});
