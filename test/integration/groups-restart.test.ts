// Group state survives a restart: committed offsets (from a group member and from a simple
// consumer's generation -1 commit), their metadata, and the set of groups are rebuilt from
// __consumer_offsets after kill -9 — acknowledged commits were durable — and a consumer that
// comes back resumes exactly where its group had committed.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';

let node: NodeProcess;
let kafka: Kafka;
let admin: Admin;

async function connectAdmin(): Promise<Admin> {
  const client = kafka.admin();
  await client.connect();
  return client;
}

/** Consumes with a group until `count` records arrived; commits each after processing. */
async function consumeWithGroup(groupId: string, topic: string, count: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 1000, maxWaitTimeInMs: 500 });
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      values.push(message.value!.toString());
      await consumer.commitOffsets([
        { topic, partition, offset: String(Number(message.offset) + 1), metadata: `seen-${message.offset}` },
      ]);
    },
  });
  for (let i = 0; i < 300 && values.length < count; i++) await sleep(100);
  // Give a duplicate (a resume from the wrong offset) the chance to show up before stopping.
  await sleep(1000);
  await consumer.disconnect();
  return values;
}

beforeAll(async () => {
  node = await startSingleNode({ extraArgs: ['--group-initial-rebalance-delay-ms', '0'] });
  kafka = new Kafka({
    clientId: 'restart-test',
    brokers: [node.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 10 },
  });
  admin = await connectAdmin();
});

afterAll(async () => {
  await admin?.disconnect().catch(() => undefined);
  await stopAll();
});

describe('group state across a restart', () => {
  it('keeps committed offsets and groups after kill -9, and consumers resume from them', async () => {
    await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 3 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    const first = Array.from({ length: 30 }, (_, i) => `first-${i}`);
    await producer.send({ topic: 'kept', messages: first.map((value, i) => ({ partition: i % 3, value })) });
    expect((await consumeWithGroup('keeper', 'kept', 30)).sort()).toEqual([...first].sort());
    // A simple consumer's commit: generation -1, no member id (kafkajs admin.setOffsets).
    await admin.setOffsets({ groupId: 'standalone', topic: 'kept', partitions: [{ partition: 1, offset: '4' }] });

    const groupsBefore = (await admin.listGroups()).groups.map((g) => g.groupId).sort();
    const offsetsBefore = await admin.fetchOffsets({ groupId: 'keeper', topics: ['kept'] });
    expect(groupsBefore).toEqual(expect.arrayContaining(['keeper', 'standalone']));
    expect(offsetsBefore[0]!.partitions.map((p) => Number(p.offset)).sort()).toEqual([10, 10, 10]);
    await producer.disconnect();
    await admin.disconnect();

    await node.kill();
    await node.start();

    admin = await connectAdmin();
    expect((await admin.listGroups()).groups.map((g) => g.groupId).sort()).toEqual(groupsBefore);
    const offsetsAfter = await admin.fetchOffsets({ groupId: 'keeper', topics: ['kept'] });
    expect(offsetsAfter).toEqual(offsetsBefore);
    for (const p of offsetsAfter[0]!.partitions) expect(p.metadata).toBe('seen-9');
    const standalone = await admin.fetchOffsets({ groupId: 'standalone', topics: ['kept'] });
    expect(standalone[0]!.partitions.find((p) => p.partition === 1)?.offset).toBe('4');
    expect((await admin.describeGroups(['keeper'])).groups[0]).toMatchObject({
      state: 'Empty',
      protocolType: 'consumer',
    });

    // The group resumes where it committed: only the new records arrive.
    const producer2 = kafka.producer();
    await producer2.connect();
    const second = Array.from({ length: 6 }, (_, i) => `second-${i}`);
    await producer2.send({ topic: 'kept', messages: second.map((value, i) => ({ partition: i % 3, value })) });
    await producer2.disconnect();
    expect((await consumeWithGroup('keeper', 'kept', 6)).sort()).toEqual([...second].sort());
  }, 90_000);

  it('keeps a stable group stable across a restart: members carry on with their generation', async () => {
    await admin.createTopics({ topics: [{ topic: 'steady', numPartitions: 2 }], waitForLeaders: true });
    const consumer = kafka.consumer({
      groupId: 'steady-group',
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 500,
    });
    let joins = 0;
    consumer.on(consumer.events.GROUP_JOIN, () => joins++);
    const values: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'steady', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
    for (let i = 0; i < 100 && joins === 0; i++) await sleep(100);
    const before = (await admin.describeGroups(['steady-group'])).groups[0]!;
    expect(before.state).toBe('Stable');

    await node.kill();
    await node.start();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'steady', messages: [{ partition: 0, value: 'after-restart' }] });
    await producer.disconnect();
    for (let i = 0; i < 200 && !values.includes('after-restart'); i++) await sleep(100);
    expect(values).toContain('after-restart');
    const after = (await admin.describeGroups(['steady-group'])).groups[0]!;
    expect(after.state).toBe('Stable');
    expect(after.members.map((m) => m.memberId)).toEqual(before.members.map((m) => m.memberId));
    await consumer.disconnect();
  }, 90_000);
});
