// Offset retention on a real node: with --offsets-retention-ms 1500, a simple consumer's commit
// expires and its group disappears (tombstones written to __consumer_offsets), and it stays gone
// after a restart. A group with a live member keeps its offsets.
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';

let node: NodeProcess;
let kafka: Kafka;
let admin: Admin;
let consumer: Consumer | null = null;

beforeAll(async () => {
  node = await startSingleNode({
    extraArgs: ['--offsets-retention-ms', '1500', '--group-initial-rebalance-delay-ms', '0'],
  });
  kafka = new Kafka({
    clientId: 'expiry-test',
    brokers: [node.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 10 },
  });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'expiring', numPartitions: 1 }], waitForLeaders: true });
});

afterAll(async () => {
  await consumer?.disconnect().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await stopAll();
});

const groupIds = async () => (await admin.listGroups()).groups.map((g) => g.groupId);

describe('offset retention', () => {
  it('expires the offsets of a group nobody consumes with, and keeps those of a live group', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'expiring', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await producer.disconnect();
    consumer = kafka.consumer({ groupId: 'alive', sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'expiring', fromBeginning: true });
    let consumed = 0;
    await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => void consumed++ });
    const aliveOffset = async () =>
      (await admin.fetchOffsets({ groupId: 'alive', topics: ['expiring'] }))[0]!.partitions[0]!.offset;
    for (let i = 0; i < 100 && (await aliveOffset()) !== '3'; i++) await sleep(100);
    expect(consumed).toBe(3);

    await admin.setOffsets({ groupId: 'forgotten', topic: 'expiring', partitions: [{ partition: 0, offset: '0' }] });
    expect(await groupIds()).toContain('forgotten');
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      await sleep(100);
      gone = !(await groupIds()).includes('forgotten');
    }
    expect(gone).toBe(true);
    // The live group's commit is older than the retention too, but its member still consumes the topic.
    expect(await aliveOffset()).toBe('3');
    expect(await groupIds()).toContain('alive');

    await consumer.disconnect();
    consumer = null;
    await admin.disconnect();
    await node.kill();
    await node.start();
    admin = kafka.admin();
    await admin.connect();
    expect(await groupIds()).not.toContain('forgotten');
  }, 60_000);
});
