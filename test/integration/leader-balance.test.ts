// Leaders go back to their preferred replicas on three real processes: by ElectLeaders (the brook
// CLI, which is the client here that speaks it) and by the controller's automatic balancing
// (auto.leader.rebalance.enable) after a killed broker returns. Nothing acknowledged before or
// after the moves is lost.
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brook, shown } from '../helpers/cli.js';
import { startCluster, stopAll, type NodeProcess } from '../helpers/node-process.js';

interface Led {
  partition: number;
  leader: number;
  preferred: number;
}

function kafkaOf(nodes: NodeProcess[]): Kafka {
  return new Kafka({
    clientId: 'leader-balance-test',
    brokers: nodes.map((n) => n.bootstrap),
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

async function leadership(admin: Admin, topic: string): Promise<Led[]> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  return metadata.topics[0]!.partitions.map((p) => ({
    partition: p.partitionId,
    leader: p.leader,
    preferred: p.replicas[0]!,
  }));
}

/**
 * Sends `count` records, ten per send and each send to one partition: kafkajs 2.2.4 loses a
 * partition's batch when a send spanning brokers is retried after that partition's leader moved
 * to a broker that had already answered (sendMessages keeps per-broker answers across retries).
 */
async function produce(producer: Producer, topic: string, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 10) {
    const messages = Array.from({ length: 10 }, (_, j) => ({ value: `${prefix}-${i + j}`, partition: (i / 10) % 3 }));
    await producer.send({ topic, acks: -1, messages });
  }
}

async function consumeAll(kafka: Kafka, topic: string, expected: number): Promise<Set<string>> {
  const consumer = kafka.consumer({ groupId: `check-${topic}-${Date.now()}` });
  const seen = new Set<string>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        seen.add(message.value!.toString());
        return Promise.resolve();
      },
    });
    await expect.poll(() => seen.size, { timeout: 30_000 }).toBe(expected);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** Kills the preferred leader of partition 0, waits for its failover, and brings it back. */
async function displaceAndReturn(nodes: NodeProcess[], admin: Admin, topic: string): Promise<number> {
  const victim = (await leadership(admin, topic)).find((p) => p.partition === 0)!.preferred;
  const node = nodes.find((n) => n.nodeId === victim)!;
  await node.kill();
  await expect
    .poll(async () => (await leadership(admin, topic)).every((p) => p.leader !== victim && p.leader >= 0), {
      timeout: 30_000,
    })
    .toBe(true);
  await node.start();
  return victim;
}

describe('ElectLeaders (brook partition elect-leaders)', () => {
  let nodes: NodeProcess[];
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    nodes = await startCluster(3, { extraArgs: ['--auto-leader-rebalance-enable', 'false'] });
    kafka = kafkaOf(nodes);
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'elect', numPartitions: 3, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await stopAll();
  });

  it('moves a displaced leadership back to the preferred replica, losing nothing', async () => {
    await produce(producer, 'elect', 'before', 100);
    const victim = await displaceAndReturn(nodes, admin, 'elect');
    await produce(producer, 'elect', 'while', 100);
    // Without balancing the returned broker leads nothing.
    expect((await leadership(admin, 'elect')).some((p) => p.leader === victim)).toBe(false);

    const at = ['--bootstrap-server', nodes.map((n) => n.bootstrap).join(','), '--output', 'json'];
    // A preferred election hands over only once the returned replica holds every acknowledged write.
    await expect
      .poll(
        async () => {
          const result = await brook(['partition', 'elect-leaders', '--topic', 'elect', ...at]);
          expect(result.code, shown(result)).toBe(0);
          const results = JSON.parse(result.stdout) as { partition: number; errorCode: number }[];
          return (await leadership(admin, 'elect')).every((p) => p.leader === p.preferred) && results.length === 3;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);

    // Asked again, every partition answers that no election is needed (84); unclean too (the leader lives).
    for (const extra of [[], ['--unclean']]) {
      const again = await brook(['partition', 'elect-leaders', '--topic', 'elect', ...extra, ...at]);
      expect(again.code, shown(again)).toBe(0);
      const codes = (JSON.parse(again.stdout) as { errorCode: number }[]).map((r) => r.errorCode);
      expect(codes).toEqual([84, 84, 84]);
    }

    await produce(producer, 'elect', 'after', 100);
    const seen = await consumeAll(kafka, 'elect', 300);
    for (const prefix of ['before', 'while', 'after']) {
      for (let i = 0; i < 100; i++) expect(seen.has(`${prefix}-${i}`)).toBe(true);
    }
  });
});

describe('automatic leader balancing (auto.leader.rebalance.enable)', () => {
  let nodes: NodeProcess[];
  let admin: Admin;

  beforeAll(async () => {
    await stopAll();
    nodes = await startCluster(3, { extraArgs: ['--leader-imbalance-check-interval-seconds', '1'] });
    admin = kafkaOf(nodes).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'balanced', numPartitions: 6, replicationFactor: 3 }],
      waitForLeaders: true,
    });
  });

  afterAll(async () => {
    await admin?.disconnect().catch(() => undefined);
    await stopAll();
  });

  it('gives a returned broker its preferred leaderships back', async () => {
    const before = await leadership(admin, 'balanced');
    expect(before.every((p) => p.leader === p.preferred)).toBe(true);
    const victim = await displaceAndReturn(nodes, admin, 'balanced');
    await expect
      .poll(async () => (await leadership(admin, 'balanced')).filter((p) => p.leader === victim).length, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(before.filter((p) => p.preferred === victim).length);
    expect((await leadership(admin, 'balanced')).every((p) => p.leader === p.preferred)).toBe(true);
  });
});
