// A group whose last member has left is Empty by the time the LeaveGroup is answered, as in Kafka:
// an admin listing groups by state (ListGroups v4) or describing them right after each group's
// only consumer closed sees Empty, never PreparingRebalance. Consumers are kafkajs (disconnect
// sends LeaveGroup) and librdkafka (kcat -G exiting at the end of the partitions). Brook used to
// pass through PreparingRebalance for one timer tick (about a millisecond), which a watcher with
// many ListGroups in flight sees; groups-protocol.test.ts pins it exactly, with requests pipelined
// behind the LeaveGroup on one connection.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kcat } from '../helpers/kcat.js';
import { startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { kcatAvailable, requireTool } from '../helpers/tools.js';

const TOPIC = 'states';

let node: NodeProcess;
let kafka: Kafka;
let admin: Admin;
let client: RawClient;

/** ListGroups v4 with Kafka's states filter. */
async function groupsIn(states: string[]): Promise<string[]> {
  const response = await client.request<{ errorCode: number; groups: { groupId: string; groupState: string }[] }>(
    16,
    4,
    { statesFilter: states },
  );
  expect(response.errorCode).toBe(0);
  return response.groups.map((g) => g.groupId).sort();
}

async function describedStates(groupIds: string[]): Promise<string[]> {
  return (await admin.describeGroups(groupIds)).groups.map((g) => g.state);
}

beforeAll(async () => {
  node = await startSingleNode({ extraArgs: ['--group-initial-rebalance-delay-ms', '0'] });
  kafka = new Kafka({ clientId: 'group-states', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: TOPIC,
    messages: [
      { partition: 0, value: 'a' },
      { partition: 1, value: 'b' },
    ],
  });
  await producer.disconnect();
  client = await RawClient.connect(node.kafkaPort);
});

afterAll(async () => {
  client?.close();
  await admin?.disconnect().catch(() => undefined);
  await stopAll();
});

describe('a group after its last member left', () => {
  it('is Empty right after each kafkajs consumer disconnects', async () => {
    const groupIds = ['states-a', 'states-b', 'states-c'];
    const consumers = groupIds.map((groupId) => kafka.consumer({ groupId, sessionTimeout: 10_000 }));
    const consumedBy = new Set<string>();
    await Promise.all(
      consumers.map(async (consumer, i) => {
        await consumer.connect();
        await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
        await consumer.run({ eachMessage: () => Promise.resolve(void consumedBy.add(groupIds[i]!)) });
      }),
    );
    for (let i = 0; i < 300 && consumedBy.size < groupIds.length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await groupsIn(['Stable'])).toEqual(groupIds);
    for (const consumer of consumers) await consumer.disconnect();
    // Asked at once: no wait, no retry.
    expect(await groupsIn(['Empty'])).toEqual(groupIds);
    expect(await groupsIn(['PreparingRebalance', 'CompletingRebalance', 'Stable'])).toEqual([]);
    expect(await describedStates(groupIds)).toEqual(['Empty', 'Empty', 'Empty']);
  }, 60_000);

  it('goes from Stable to Empty while its kafkajs consumer closes, never through PreparingRebalance', async () => {
    const groupId = 'states-watched';
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000 });
    let consumed = 0;
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: () => Promise.resolve(void consumed++) });
    for (let i = 0; i < 300 && consumed < 2; i++) await new Promise((r) => setTimeout(r, 100));
    // A second connection watches the group's state with ListGroups, many requests in flight at
    // once, for as long as the consumer takes to close.
    const watcher = await RawClient.connect(node.kafkaPort);
    const seen: string[] = [];
    let watching = true;
    const watch = async () => {
      while (watching) {
        const response = await watcher.request<{ groups: { groupId: string; groupState: string }[] }>(16, 4, {
          statesFilter: [],
        });
        const state = response.groups.find((g) => g.groupId === groupId)?.groupState ?? 'absent';
        if (seen.at(-1) !== state) seen.push(state);
      }
    };
    const watchers = Array.from({ length: 16 }, watch);
    try {
      await new Promise((r) => setTimeout(r, 100));
      await consumer.disconnect();
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      watching = false;
      await Promise.all(watchers);
      watcher.close();
    }
    expect(seen).toEqual(['Stable', 'Empty']);
  }, 60_000);

  it.runIf(requireTool('kcat', kcatAvailable))('is Empty right after a librdkafka consumer closes', async () => {
    const result = await kcat([
      '-b',
      node.bootstrap,
      '-G',
      'states-kcat',
      '-X',
      'auto.offset.reset=earliest',
      '-e',
      '-q',
      TOPIC,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n').sort()).toEqual(['a', 'b']);
    expect(await groupsIn(['Empty'])).toContain('states-kcat');
    expect(await describedStates(['states-kcat'])).toEqual(['Empty']);
  });
});
