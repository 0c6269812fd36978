// Rack-aware placement on four real processes in three racks (broker.rack via --rack): every
// partition of a topic with replication factor 3 has its replicas in three distinct racks, leaders
// spread over all four brokers, and Metadata tells clients each broker's rack.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brook, shown } from '../helpers/cli.js';
import { startCluster, stopAll, type NodeProcess } from '../helpers/node-process.js';

const RACKS: Record<number, string> = { 1: 'east', 2: 'east', 3: 'west', 4: 'north' };

let nodes: NodeProcess[];
let admin: Admin;

beforeAll(async () => {
  nodes = await startCluster(4, { extraArgsFor: (nodeId) => ['--rack', RACKS[nodeId]!] });
  admin = new Kafka({
    clientId: 'rack-test',
    brokers: [nodes[0]!.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 200 },
  }).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect().catch(() => undefined);
  await stopAll();
});

describe('rack-aware placement', () => {
  it('puts the replicas of every partition in distinct racks', async () => {
    await admin.createTopics({
      topics: [{ topic: 'racked', numPartitions: 12, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    const metadata = await admin.fetchTopicMetadata({ topics: ['racked'] });
    const partitions = metadata.topics[0]!.partitions;
    expect(partitions).toHaveLength(12);
    for (const p of partitions) {
      expect(new Set(p.replicas).size).toBe(3);
      expect(new Set(p.replicas.map((id) => RACKS[id]))).toEqual(new Set(['east', 'west', 'north']));
    }
    const leaders = new Set(partitions.map((p) => p.replicas[0]));
    expect(leaders).toEqual(new Set([1, 2, 3, 4]));
  });

  it("tells clients each broker's rack", async () => {
    const result = await brook(['cluster', 'info', '--bootstrap-server', nodes[1]!.bootstrap, '--output', 'json']);
    expect(result.code, shown(result)).toBe(0);
    const described = JSON.parse(result.stdout) as { brokers: { nodeId: number; rack: string | null }[] };
    const racks = Object.fromEntries(described.brokers.map((b) => [b.nodeId, b.rack]));
    expect(racks).toEqual(RACKS);
  });
});

describe('copyset placement (replica.placement.policy=copyset)', () => {
  const racks: Record<number, string> = { 1: 'a', 2: 'a', 3: 'b', 4: 'b', 5: 'c', 6: 'c' };
  let copysetAdmin: Admin;

  beforeAll(async () => {
    await admin?.disconnect().catch(() => undefined);
    await stopAll();
    const six = await startCluster(6, {
      extraArgs: ['--replica-placement-policy', 'copyset', '--replica-placement-scatter-width', '2'],
      extraArgsFor: (nodeId) => ['--rack', racks[nodeId]!],
    });
    copysetAdmin = new Kafka({
      clientId: 'copyset-test',
      brokers: [six[0]!.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 200 },
    }).admin();
    await copysetAdmin.connect();
  });

  afterAll(async () => {
    await copysetAdmin?.disconnect().catch(() => undefined);
  });

  it('spreads 30 partitions over two replica sets of three racks each, every broker leading five', async () => {
    await copysetAdmin.createTopics({
      topics: [{ topic: 'copysets', numPartitions: 30, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    const partitions = (await copysetAdmin.fetchTopicMetadata({ topics: ['copysets'] })).topics[0]!.partitions;
    const sets = new Set(partitions.map((p) => [...p.replicas].sort((x, y) => x - y).join(',')));
    // Scatter width 2 at replication factor 3: one permutation of six brokers, two copysets.
    expect(sets.size).toBe(2);
    for (const p of partitions) expect(new Set(p.replicas.map((id) => racks[id]))).toEqual(new Set(['a', 'b', 'c']));
    for (const id of [1, 2, 3, 4, 5, 6]) expect(partitions.filter((p) => p.replicas[0] === id)).toHaveLength(5);
  });
});
