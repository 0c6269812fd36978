// Consumer groups with kafkajs against a real node: three consumers share a 6-partition topic;
// one leaves cleanly and one crashes (kill -9, no LeaveGroup); the survivor takes over within the
// session timeout. Every record is consumed; with commits after processing, none is consumed twice
// across the clean hand-over, and only records the crashed consumer had processed may repeat.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';

const TOPIC = 'shared';
const GROUP = 'sharers';
const PARTITIONS = 6;
const SESSION_TIMEOUT_MS = 6000;
const CHILD = resolve(import.meta.dirname, '../groups/fixtures/kafkajs-consumer.mjs');

let node: NodeProcess;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const consumers: Consumer[] = [];
let child: ChildProcess | null = null;

interface Tracker {
  readonly name: string;
  partitions: number[];
  readonly values: string[];
}

const consumed = new Map<string, string[]>(); // value -> consumers that processed it
function record(tracker: Tracker, value: string): void {
  tracker.values.push(value);
  consumed.set(value, [...(consumed.get(value) ?? []), tracker.name]);
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<number> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
  return Date.now() - start;
}

async function produce(batch: string, count: number): Promise<string[]> {
  const values = Array.from({ length: count }, (_, i) => `${batch}-${i}`);
  await producer.send({ topic: TOPIC, messages: values.map((value, i) => ({ partition: i % PARTITIONS, value })) });
  return values;
}

async function startInProcess(name: string): Promise<Tracker> {
  const tracker: Tracker = { name, partitions: [], values: [] };
  const consumer = kafka.consumer({
    groupId: GROUP,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 500,
  });
  consumer.on(
    consumer.events.GROUP_JOIN,
    (e) => (tracker.partitions = [...(e.payload.memberAssignment[TOPIC] ?? [])].sort()),
  );
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      record(tracker, message.value!.toString());
      await consumer.commitOffsets([{ topic: TOPIC, partition, offset: String(Number(message.offset) + 1) }]);
    },
  });
  consumers.push(consumer);
  return tracker;
}

function startChild(): Tracker {
  const tracker: Tracker = { name: 'child', partitions: [], values: [] };
  child = spawn(process.execPath, [CHILD, node.bootstrap, GROUP, TOPIC, String(SESSION_TIMEOUT_MS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const event = JSON.parse(line) as { type: string; partitions?: number[]; value?: string };
      if (event.type === 'join') tracker.partitions = [...(event.partitions ?? [])].sort();
      if (event.type === 'message') record(tracker, event.value!);
    }
  });
  return tracker;
}

beforeAll(async () => {
  node = await startSingleNode({ extraArgs: ['--group-initial-rebalance-delay-ms', '1000'] });
  kafka = new Kafka({
    clientId: 'groups-test',
    brokers: [node.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 8 },
  });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
  await producer?.disconnect().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await stopAll();
});

describe('a kafkajs consumer group', () => {
  it('shares partitions, survives a clean leave and a crash, and consumes every record', async () => {
    const first = await produce('first', 120);
    const a = await startInProcess('a');
    const b = await startInProcess('b');
    const c = startChild();
    const all = [a, b, c];

    // Three members: two partitions each, together all six.
    await waitFor(
      'three-way assignment',
      () =>
        all.every((t) => t.partitions.length === 2) && new Set(all.flatMap((t) => t.partitions)).size === PARTITIONS,
    );
    await waitFor('first batch', () => first.every((v) => consumed.has(v)));

    const described = await admin.describeGroups([GROUP]);
    expect(described.groups[0]).toMatchObject({
      state: 'Stable',
      protocolType: 'consumer',
      protocol: 'RoundRobinAssigner',
    });
    expect(described.groups[0]!.members).toHaveLength(3);

    // a leaves cleanly (LeaveGroup): b and c take its partitions; nothing is consumed twice.
    await consumers[0]!.disconnect();
    const second = await produce('second', 120);
    await waitFor(
      'two-way assignment',
      () =>
        b.partitions.length === 3 &&
        c.partitions.length === 3 &&
        new Set([...b.partitions, ...c.partitions]).size === PARTITIONS,
    );
    await waitFor('second batch', () => second.every((v) => consumed.has(v)));
    const twice = [...consumed].filter(([, by]) => by.length > 1);
    expect(twice).toEqual([]);

    // c crashes: no LeaveGroup. Its session expires and b takes everything over.
    const consumedByChildBeforeCrash = new Set(c.values);
    child!.kill('SIGKILL');
    const third = await produce('third', 120);
    const takeoverMs = await waitFor('takeover', () => b.partitions.length === PARTITIONS, 30_000);
    // Session expiry (at most 6 s after the last heartbeat), then b's next heartbeat (1 s, between
    // fetches of at most 0.5 s) sees the rebalance and rejoins alone.
    expect(takeoverMs).toBeLessThan(SESSION_TIMEOUT_MS + 3000);
    await waitFor('third batch', () => third.every((v) => consumed.has(v)));

    for (const value of [...first, ...second, ...third]) expect(consumed.has(value), value).toBe(true);
    // Only what the crashed consumer had processed (possibly without a durable commit) may repeat.
    for (const [value, by] of consumed) {
      if (by.length > 1)
        expect(consumedByChildBeforeCrash.has(value), `${value} consumed by ${by.join(',')}`).toBe(true);
    }

    const offsets = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(360);
  }, 120_000);
});
