// Three Raft voters and two brokers beyond them, as five real processes: the brokers (ids not in
// --cluster-nodes) register, follow the metadata log as learners (DescribeQuorum's observers),
// host replicas and lead partitions, serve clients and admin calls, and a killed broker is fenced
// through the address it registered and its leaderships move. Then the voters change at
// run time through AddRaftVoter / RemoveRaftVoter (the brook CLI): broker 4 becomes a voter, voter
// 1 steps down to observer, and with voter 2 killed the quorum {2, 3, 4} still commits, which it
// can only do with node 4's vote. Unknown or invalid changes get Kafka's error codes.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brook, shown } from '../helpers/cli.js';
import { httpJson, startCluster, stopAll, type NodeProcess } from '../helpers/node-process.js';

const VOTERS = 3;
const NODES = 5;

interface Member {
  nodeId: number;
  role: 'voter' | 'observer';
  matchedIndex: number;
  lag: number | null;
}

interface Quorum {
  leaderId: number;
  term: number;
  commitIndex: number;
  members: Member[];
}

let nodes: NodeProcess[];
let admin: Admin;

function kafkaOf(bootstrap: readonly NodeProcess[]): Kafka {
  return new Kafka({
    clientId: 'brokers-test',
    brokers: bootstrap.map((n) => n.bootstrap),
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

async function quorum(via: NodeProcess): Promise<Quorum> {
  const result = await brook([
    'cluster',
    'quorum',
    'describe',
    '--bootstrap-server',
    via.bootstrap,
    '--output',
    'json',
  ]);
  expect(result.code, shown(result)).toBe(0);
  return JSON.parse(result.stdout) as Quorum;
}

const idsOf = (q: Quorum, role: Member['role']) =>
  q.members
    .filter((m) => m.role === role)
    .map((m) => m.nodeId)
    .sort((a, b) => a - b);

/** Produces `count` records acks=all through `via` and reads them all (of this round) back through `via`. */
async function roundTrip(via: NodeProcess, topic: string, count: number): Promise<void> {
  const round = `${topic}-${Date.now()}`;
  const kafka = kafkaOf([via]);
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    for (let i = 0; i < count; i += 10) {
      const messages = Array.from({ length: 10 }, (_, j) => ({ value: `${round}-${i + j}` }));
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
  const consumer = kafka.consumer({ groupId: `check-${topic}-${Date.now()}` });
  const seen = new Set<string>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const value = message.value!.toString();
        if (value.startsWith(round)) seen.add(value);
        return Promise.resolve();
      },
    });
    await expect.poll(() => seen.size, { timeout: 30_000 }).toBe(count);
  } finally {
    await consumer.disconnect();
  }
}

beforeAll(async () => {
  nodes = await startCluster(NODES, { voters: VOTERS });
  admin = kafkaOf(nodes).admin();
  await admin.connect();
}, 120_000);

afterAll(async () => {
  await admin?.disconnect().catch(() => undefined);
  await stopAll();
});

describe('brokers beyond the voters', () => {
  it('registers the brokers and has them follow the metadata log as observers', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3, 4, 5]);
    const q = await quorum(nodes[3]!);
    expect(idsOf(q, 'voter')).toEqual([1, 2, 3]);
    expect(idsOf(q, 'observer')).toEqual([4, 5]);
    // The learners apply the log: their Raft state says so on their own HTTP port.
    for (const broker of nodes.slice(VOTERS)) {
      const health = await httpJson<{ role: string; appliedIndex: number; controllerId: number }>(broker, '/healthz');
      expect(health.role).toBe('follower');
      expect(health.appliedIndex).toBeGreaterThan(0);
      expect(health.controllerId).toBe(q.leaderId);
    }
  });

  it('places replicas on every broker, leads partitions on the brokers, and serves through them', async () => {
    // Created through broker 5 alone: its admin call reaches the controller from a learner.
    const viaBroker = kafkaOf([nodes[4]!]).admin();
    await viaBroker.connect();
    try {
      await viaBroker.createTopics({
        topics: [{ topic: 'spread', numPartitions: 10, replicationFactor: 3 }],
        waitForLeaders: true,
      });
      const metadata = await viaBroker.fetchTopicMetadata({ topics: ['spread'] });
      const partitions = metadata.topics[0]!.partitions;
      const hosting = new Set(partitions.flatMap((p) => p.replicas));
      expect(hosting).toEqual(new Set([1, 2, 3, 4, 5]));
      const leaders = new Set(partitions.map((p) => p.leader));
      expect(leaders.has(4) && leaders.has(5), JSON.stringify(partitions)).toBe(true);
    } finally {
      await viaBroker.disconnect();
    }
    await roundTrip(nodes[3]!, 'spread', 200);
  });

  it('comes back as an observer after a restart', async () => {
    await nodes[4]!.stop();
    await nodes[4]!.start();
    await expect.poll(async () => idsOf(await quorum(nodes[0]!), 'observer'), { timeout: 20_000 }).toEqual([4, 5]);
    await roundTrip(nodes[4]!, 'spread', 100);
  });

  it("moves a killed broker's leaderships to other replicas, found by the address it registered", async () => {
    const led = async (nodeId: number) =>
      (await admin.fetchTopicMetadata({ topics: ['spread'] })).topics[0]!.partitions.filter((p) => p.leader === nodeId);
    // Back from its restart it leads nothing until the preferred replicas are elected again.
    const elected = await brook([
      'partition',
      'elect-leaders',
      '--topic',
      'spread',
      '--bootstrap-server',
      nodes[0]!.bootstrap,
    ]);
    expect(elected.code, shown(elected)).toBe(0);
    await expect.poll(async () => (await led(5)).length, { timeout: 20_000 }).toBeGreaterThan(0);
    await nodes[4]!.kill();
    // The controller probes the broker's registered gRPC address: refused, so it is fenced at once.
    await expect.poll(async () => (await led(5)).length, { timeout: 20_000 }).toBe(0);
    await roundTrip(nodes[3]!, 'spread', 100);
    await nodes[4]!.start();
    await expect.poll(async () => idsOf(await quorum(nodes[0]!), 'observer'), { timeout: 20_000 }).toEqual([4, 5]);
  });
});

describe('voters changed at run time', () => {
  it('promotes broker 4 to voter', async () => {
    const result = await brook(['cluster', 'quorum', 'add-voter', '4', '--bootstrap-server', nodes[4]!.bootstrap]);
    expect(result.code, shown(result)).toBe(0);
    const q = await quorum(nodes[0]!);
    expect(idsOf(q, 'voter')).toEqual([1, 2, 3, 4]);
    expect(idsOf(q, 'observer')).toEqual([5]);
  });

  it('demotes voter 1 to an observer that still serves', async () => {
    const result = await brook(['cluster', 'quorum', 'remove-voter', '1', '--bootstrap-server', nodes[2]!.bootstrap]);
    expect(result.code, shown(result)).toBe(0);
    const q = await quorum(nodes[2]!);
    expect(idsOf(q, 'voter')).toEqual([2, 3, 4]);
    expect(idsOf(q, 'observer')).toEqual([1, 5]);
    await roundTrip(nodes[0]!, 'spread', 100);
  });

  it('answers a duplicate, an unknown and a not-following node with Kafka error codes', async () => {
    const duplicate = await brook(['cluster', 'quorum', 'add-voter', '4', '--bootstrap-server', nodes[0]!.bootstrap]);
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr).toMatch(/DUPLICATE_VOTER/);
    const unknown = await brook(['cluster', 'quorum', 'remove-voter', '9', '--bootstrap-server', nodes[0]!.bootstrap]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/VOTER_NOT_FOUND/);
    const stranger = await brook(['cluster', 'quorum', 'add-voter', '9', '--bootstrap-server', nodes[0]!.bootstrap]);
    expect(stranger.code).not.toBe(0);
    expect(stranger.stderr).toMatch(/INVALID_REQUEST/);
  });

  it('commits with voters 3 and 4 once voter 2 is killed: the new voter counts', async () => {
    await nodes[1]!.kill();
    const survivors = kafkaOf([nodes[2]!, nodes[3]!]).admin();
    await survivors.connect();
    try {
      // Once node 2 is fenced, Metadata no longer names it (kafkajs would send CreateTopics to it).
      await expect
        .poll(async () => (await survivors.describeCluster()).brokers.map((b) => b.nodeId).sort(), {
          timeout: 20_000,
        })
        .toEqual([1, 3, 4, 5]);
      await survivors.createTopics({
        topics: [{ topic: 'after-changes', numPartitions: 3, replicationFactor: 3 }],
        waitForLeaders: true,
      });
      const q = await quorum(nodes[3]!);
      expect([3, 4]).toContain(q.leaderId);
    } finally {
      await survivors.disconnect();
    }
    await roundTrip(nodes[2]!, 'after-changes', 50);
  });
});

describe('a decommissioned broker that is gone', () => {
  it('leaves the metadata quorum and the cluster, and its id may join again as a new broker', async () => {
    const at = ['--bootstrap-server', nodes[2]!.bootstrap];
    const drained = await brook(['node', 'decommission', '5', '--timeout-ms', '120000', ...at]);
    expect(drained.code, shown(drained)).toBe(0);
    // Still running: it stays registered (and a learner) until it stops.
    expect(idsOf(await quorum(nodes[2]!), 'observer')).toEqual([1, 5]);
    await nodes[4]!.kill();
    await expect.poll(async () => idsOf(await quorum(nodes[2]!), 'observer'), { timeout: 20_000 }).toEqual([1]);

    await nodes[4]!.start();
    await expect.poll(async () => idsOf(await quorum(nodes[2]!), 'observer'), { timeout: 20_000 }).toEqual([1, 5]);
    // Registered afresh, without the decommission mark: replicas may be placed on it again.
    const survivors = kafkaOf([nodes[2]!, nodes[3]!]).admin();
    await survivors.connect();
    try {
      await survivors.createTopics({
        topics: [{ topic: 'back-again', replicaAssignment: [{ partition: 0, replicas: [5, 3, 4] }] }],
        waitForLeaders: true,
      });
    } finally {
      await survivors.disconnect();
    }
    await roundTrip(nodes[4]!, 'back-again', 20);
  });
});
