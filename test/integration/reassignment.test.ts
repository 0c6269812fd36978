// Partition reassignment on five real processes: a partition moves to other nodes under an
// idempotent acks=all load and the history checker (test/chaos/history.ts) finds no lost,
// duplicated or reordered write; a throttled move is cancelled and its new replica's data goes;
// `brook node decommission` drains a node so that placement no longer uses it; `brook cluster
// rebalance` evens the replica and leader counts. The moves go through the brook CLI (its
// kafka-reassign-partitions.sh JSON) and Brook's client; kafkajs 2.2 has no reassignment API.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHistory, type Ack, type PolledRecord } from '../chaos/history.js';
import { brook, shown } from '../helpers/cli.js';
import { startCluster, stopAll, tempDir, type NodeProcess } from '../helpers/node-process.js';

/** Slow enough that a few megabytes take seconds to copy, fast enough for the small partitions. */
const THROTTLE_BYTES_PER_SECOND = 400_000;

let nodes: NodeProcess[];
let kafka: Kafka;
let admin: Admin;
let at: string[];
const scratch = tempDir('brook-reassign-');

async function replicasOf(topic: string): Promise<{ partition: number; replicas: number[]; leader: number }[]> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  return metadata.topics[0]!.partitions.map((p) => ({
    partition: p.partitionId,
    replicas: p.replicas,
    leader: p.leader,
  }));
}

async function cli(args: readonly string[]): Promise<string> {
  const result = await brook([...args, ...at]);
  expect(result.code, shown(result)).toBe(0);
  return result.stdout;
}

function logDir(nodeId: number, topic: string, partition: number): string {
  return path.join(nodes.find((n) => n.nodeId === nodeId)!.dataDir, 'topics', `${topic}-${partition}`);
}

/** The bytes of a replica's segment files. */
function logBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
}

/** Every record of partition 0 from the start, with its offset. */
async function readAll(topic: string, expected: number): Promise<PolledRecord[]> {
  const consumer = kafka.consumer({ groupId: `read-${topic}-${Date.now()}` });
  const records: PolledRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        records.push({ partition, offset: Number(message.offset), value: message.value!.toString() });
        return Promise.resolve();
      },
    });
    await expect.poll(() => records.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(expected);
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** An idempotent acks=all producer writing numbered values to partition 0 until stopped. */
function load(producer: Producer, topic: string): { stop: () => Promise<Ack[]> } {
  const acks: Ack[] = [];
  let running = true;
  let seq = 0;
  const done = (async () => {
    while (running) {
      const values = Array.from({ length: 5 }, () => `v-${seq++}`);
      const [meta] = await producer.send({
        topic,
        acks: -1,
        messages: values.map((value) => ({ value, partition: 0 })),
      });
      const base = Number(meta!.baseOffset);
      values.forEach((value, i) => acks.push({ value, partition: 0, offset: base + i }));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return acks;
    },
  };
}

beforeAll(async () => {
  nodes = await startCluster(5, {
    extraArgs: [
      '--leader-replication-throttled-rate',
      String(THROTTLE_BYTES_PER_SECOND),
      '--auto-leader-rebalance-enable',
      'false',
    ],
  });
  at = ['--bootstrap-server', nodes.map((n) => n.bootstrap).join(','), '--output', 'json'];
  kafka = new Kafka({
    clientId: 'reassignment-test',
    brokers: nodes.map((n) => n.bootstrap),
    logLevel: logLevel.NOTHING,
    retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect().catch(() => undefined);
  await stopAll();
});

describe('reassignment', () => {
  it('moves a partition to other nodes under an idempotent acks=all load, losing nothing', async () => {
    await admin.createTopics({
      topics: [{ topic: 'moving', replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }] }],
      waitForLeaders: true,
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const running = load(producer, 'moving');
    await expect
      .poll(async () => (await admin.fetchTopicOffsets('moving'))[0]!.high, { timeout: 30_000 })
      .not.toBe('0');

    // Kafka's reassignment JSON: replicas 1 and 2 (the leader among them) leave, 4 and 5 join.
    const file = path.join(scratch, 'move.json');
    writeFileSync(
      file,
      JSON.stringify({ version: 1, partitions: [{ topic: 'moving', partition: 0, replicas: [4, 5, 3] }] }),
    );
    const proposed = JSON.parse(await cli(['partition', 'reassign', '--reassignment-json-file', file])) as {
      current: { replicas: number[] }[];
    };
    expect(proposed.current[0]!.replicas).toEqual([1, 2, 3]);
    await cli(['partition', 'reassign', '--reassignment-json-file', file, '--execute', '--wait']);

    expect((await replicasOf('moving'))[0]!.replicas).toEqual([4, 5, 3]);
    const verify = JSON.parse(await cli(['partition', 'reassign', '--reassignment-json-file', file, '--verify'])) as {
      status: string;
    }[];
    expect(verify[0]!.status).toBe('complete');
    // The replicas that left delete their data.
    await expect.poll(() => existsSync(logDir(1, 'moving', 0)) || existsSync(logDir(2, 'moving', 0))).toBe(false);
    expect(existsSync(logDir(4, 'moving', 0))).toBe(true);

    // Writes continue on the new replicas, then the whole history is checked.
    const acksAtMove = (await admin.fetchTopicOffsets('moving'))[0]!.high;
    await expect
      .poll(async () => Number((await admin.fetchTopicOffsets('moving'))[0]!.high), { timeout: 30_000 })
      .toBeGreaterThan(Number(acksAtMove) + 50);
    const acks = await running.stop();
    await producer.disconnect();
    const finalRead = await readAll('moving', acks.length);
    const result = checkHistory({ acks, consumers: [], finalRead: new Map([[0, finalRead]]) });
    expect(result.anomalies.filter((a) => a.kind !== 'unseen')).toEqual([]);
    expect(result.acked).toBe(acks.length);
    // Reordered: the values were sent in order, one request at a time; their offsets rise with them.
    const offsetOf = new Map(finalRead.map((r) => [r.value, r.offset]));
    for (let i = 1; i < acks.length; i++)
      expect(offsetOf.get(acks[i]!.value)!).toBeGreaterThan(offsetOf.get(acks[i - 1]!.value)!);
  });

  it('cancels a throttled move: the partition keeps its replicas and the new one drops its data', async () => {
    await admin.createTopics({
      topics: [{ topic: 'big', replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }] }],
      waitForLeaders: true,
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // About 8 MB: twenty seconds at the throttle.
    const value = 'x'.repeat(10_000);
    for (let i = 0; i < 80; i++) {
      await producer.send({
        topic: 'big',
        acks: -1,
        messages: Array.from({ length: 10 }, () => ({ value, partition: 0 })),
      });
    }
    await producer.disconnect();
    const startedMs = Date.now();
    await cli(['partition', 'reassign', '--topic', 'big', '--partition', '0', '--replicas', '1,2,4', '--execute']);
    const listed = JSON.parse(await cli(['partition', 'reassignments'])) as {
      topic: string;
      replicas: number[];
      addingReplicas: number[];
      removingReplicas: number[];
    }[];
    expect(listed.find((r) => r.topic === 'big')).toMatchObject({
      replicas: [1, 2, 3, 4],
      addingReplicas: [4],
      removingReplicas: [3],
    });
    await expect.poll(() => logBytes(logDir(4, 'big', 0))).toBeGreaterThan(0);
    // The learner copies at the leader throttle's rate: not more than it admits in the time since
    // the start, plus what one window of requests carries before the throttle holds it back.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const copied = logBytes(logDir(4, 'big', 0));
    const admitted = (THROTTLE_BYTES_PER_SECOND * (Date.now() - startedMs)) / 1000 + 2 * 1024 * 1024;
    expect(copied).toBeLessThan(admitted);
    expect(copied).toBeLessThan(8_000_000); // still copying

    await cli(['partition', 'reassign', '--topic', 'big', '--partition', '0', '--cancel']);
    expect(JSON.parse(await cli(['partition', 'reassignments']))).toEqual([]);
    expect((await replicasOf('big'))[0]!.replicas).toEqual([1, 2, 3]);
    await expect.poll(() => existsSync(logDir(4, 'big', 0))).toBe(false);
    // Cancelling again: nothing is under way.
    const again = await brook(['partition', 'reassign', '--topic', 'big', '--partition', '0', '--cancel', ...at]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/NO_REASSIGNMENT_IN_PROGRESS/);
    expect((await admin.fetchTopicOffsets('big'))[0]!.high).toBe('800');
  });
});

describe('brook node decommission and brook cluster rebalance', () => {
  it('drains a node; placement then leaves it out', async () => {
    const { controller } = await admin.describeCluster();
    // A node that is not the controller (a drained controller stays listed) and holds replicas.
    const victim = [3, 4, 5, 2].find((id) => id !== controller)!;
    await admin.createTopics({
      topics: [{ topic: 'spread', numPartitions: 5, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    const holds = async (): Promise<number> => {
      const metadata = await admin.fetchTopicMetadata();
      return metadata.topics.flatMap((t) => t.partitions).filter((p) => p.replicas.includes(victim)).length;
    };
    expect(await holds()).toBeGreaterThan(0);
    const result = JSON.parse(await cli(['node', 'decommission', String(victim), '--timeout-ms', '120000'])) as {
      decommissioned: boolean;
    };
    expect(result.decommissioned).toBe(true);
    expect(await holds()).toBe(0);
    await admin.createTopics({
      topics: [{ topic: 'after-decommission', numPartitions: 8, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    expect(await holds()).toBe(0);
    // A reassignment may not add it back.
    const refused = await brook([
      'partition',
      'reassign',
      '--topic',
      'spread',
      '--partition',
      '0',
      '--replicas',
      `${victim}`,
      '--execute',
      ...at,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/INVALID_REPLICA_ASSIGNMENT.*decommissioned/);
  });

  it('evens replica and leader counts across the brokers', async () => {
    const { brokers } = await admin.describeCluster();
    const ids = brokers.map((b) => b.nodeId).sort();
    const two = ids.slice(0, 2);
    // Every replica of a new topic on two brokers, both leaderships of each on the first.
    await admin.createTopics({
      topics: [
        {
          topic: 'lopsided',
          replicaAssignment: Array.from({ length: 6 }, (_, partition) => ({ partition, replicas: two })),
        },
      ],
      waitForLeaders: true,
    });
    const plan = JSON.parse(await cli(['cluster', 'rebalance'])) as { moves: unknown[]; replicasMoved: number };
    expect(plan.moves.length).toBeGreaterThan(0);
    await cli(['cluster', 'rebalance', '--execute', '--wait', '--timeout-ms', '120000']);

    const metadata = await admin.fetchTopicMetadata();
    const partitions = metadata.topics.flatMap((t) => t.partitions);
    const replicas = new Map(ids.map((id) => [id, 0]));
    const preferred = new Map(ids.map((id) => [id, 0]));
    for (const p of partitions) {
      for (const r of p.replicas) replicas.set(r, (replicas.get(r) ?? 0) + 1);
      preferred.set(p.replicas[0]!, (preferred.get(p.replicas[0]!) ?? 0) + 1);
    }
    const spread = (m: Map<number, number>) => Math.max(...m.values()) - Math.min(...m.values());
    expect(spread(replicas), JSON.stringify([...replicas])).toBeLessThanOrEqual(1);
    expect(spread(preferred), JSON.stringify([...preferred])).toBeLessThanOrEqual(1);
    // The preferred election after the moves gave the leaderships to the preferred replicas.
    await expect
      .poll(async () => {
        const m = await admin.fetchTopicMetadata();
        return m.topics.flatMap((t) => t.partitions).filter((p) => p.leader !== p.replicas[0]).length;
      })
      .toBe(0);
    // Balanced already: a second plan moves nothing.
    expect((JSON.parse(await cli(['cluster', 'rebalance'])) as { moves: unknown[] }).moves).toEqual([]);
  });
});
