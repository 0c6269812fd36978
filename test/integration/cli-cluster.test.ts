// brook cluster info and brook partition list against three real node processes: the brokers,
// the controller, the metadata Raft quorum (leader, term, commit index, each voter's lag), and per
// partition the leader, replicas, in-sync replicas, high watermark and log end, the write and read
// quorums and the under-quorum flag. After kill -9 of one node, cluster info shows that voter as
// not live, and a W=3 topic's partitions are flagged under quorum while a majority topic's are not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brook, shown } from '../helpers/cli.js';
import { type NodeProcess, startCluster, stopAll, waitFor } from '../helpers/node-process.js';

let nodes: NodeProcess[];
let at: string[];

interface ClusterInfo {
  clusterId: string;
  controllerId: number;
  brokers: { nodeId: number; host: string; port: number }[];
  quorum: {
    leaderId: number;
    term: number;
    commitIndex: number;
    voters: { nodeId: number; live: boolean; matchedIndex: number; lag: number | null }[];
  };
}

interface PartitionRow {
  topic: string;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  highWatermark: number | null;
  logEndOffset: number | null;
  writeQuorum: number | null;
  readQuorum: number | null;
  underQuorum: boolean;
}

async function clusterInfo(): Promise<ClusterInfo> {
  const result = await brook(['cluster', 'info', '--output', 'json', ...at]);
  expect(result.code, shown(result)).toBe(0);
  return JSON.parse(result.stdout) as ClusterInfo;
}

async function partitions(topic?: string): Promise<PartitionRow[]> {
  const result = await brook(['partition', 'list', ...(topic ? ['--topic', topic] : []), '--output', 'json', ...at]);
  expect(result.code, shown(result)).toBe(0);
  return JSON.parse(result.stdout) as PartitionRow[];
}

beforeAll(async () => {
  nodes = await startCluster(3, {
    extraArgs: ['--offsets-topic-partitions', '3', '--broker-session-timeout-ms', '3000'],
  });
  at = ['--bootstrap-server', nodes.map((n) => n.bootstrap).join(',')];
});

afterAll(async () => {
  await stopAll();
});

describe('brook cluster info and partition list', () => {
  it('shows the brokers, the controller and the Raft quorum', async () => {
    // Caught up means matched at the commit index: a voter (the leader first) can hold an entry
    // the quorum has not committed yet, so lag 0 alone does not mean the quorum is at rest.
    const info = await waitFor('every voter caught up', async () => {
      const i = await clusterInfo();
      const atRest = i.quorum.voters.every((v) => v.lag === 0 && v.matchedIndex === i.quorum.commitIndex);
      return atRest && i.brokers.length === 3 ? i : null;
    });
    expect(info.brokers.map((b) => [b.nodeId, b.host, b.port])).toEqual(
      nodes.map((n) => [n.nodeId, '127.0.0.1', n.kafkaPort]),
    );
    expect([1, 2, 3]).toContain(info.controllerId);
    expect(info.quorum.leaderId).toBe(info.controllerId);
    expect(info.quorum.term).toBeGreaterThanOrEqual(1);
    expect(info.quorum.commitIndex).toBeGreaterThan(0);
    expect(info.quorum.voters.map((v) => [v.nodeId, v.live, v.matchedIndex])).toEqual(
      [1, 2, 3].map((id) => [id, true, info.quorum.commitIndex]),
    );

    const table = await brook(['cluster', 'info', ...at]);
    expect(table.stdout).toMatch(new RegExp(`^raft leader:\\s+${info.quorum.leaderId}$`, 'm'));
    expect(table.stdout).toMatch(/^raft term:\s+\d+$/m);
    expect(table.stdout).toMatch(/^commit index:\s+\d+$/m);
    expect(table.stdout).toMatch(/^BROKER\s+HOST\s+PORT\s+RACK\s+CONTROLLER$/m);
    expect(table.stdout).toMatch(/^QUORUM\s+ROLE\s+LIVE\s+MATCHED INDEX\s+LAG$/m);
    expect(table.stdout).toMatch(/^1\s+voter\s+yes\s+\d+\s+\d+$/m);
  });

  it('lists partitions with offsets and quorums, and flags those under their write quorum', async () => {
    const strict = await brook(
      [
        ...['topic', 'create', 'strict', '--partitions', '2', '--replication-factor', '3'],
        ...['--config', 'write.quorum=3', '--config', 'read.quorum=1', ...at],
      ],
      {},
    );
    expect(strict.code, shown(strict)).toBe(0);
    const majority = await brook([
      'topic',
      'create',
      'majority',
      '--partitions',
      '1',
      '--replication-factor',
      '3',
      ...at,
    ]);
    expect(majority.code, shown(majority)).toBe(0);
    const produced = await brook(['produce', 'strict', '--partition', '0', ...at], { stdin: 'a\nb\nc\n' });
    expect(produced.code, shown(produced)).toBe(0);
    await brook(['produce', 'majority', ...at], { stdin: 'x\ny\n' });

    const rows = await waitFor('the high watermarks', async () => {
      const r = await partitions();
      return r.find((p) => p.topic === 'majority')?.highWatermark === 2 ? r : null;
    });
    const strictRows = rows.filter((r) => r.topic === 'strict');
    expect(strictRows.map((r) => [r.partition, r.highWatermark, r.logEndOffset, r.writeQuorum, r.readQuorum])).toEqual([
      [0, 3, 3, 3, 1],
      [1, 0, 0, 3, 1],
    ]);
    for (const r of rows) {
      expect(r.replicas.sort()).toEqual([1, 2, 3]);
      expect(r.isr.sort()).toEqual([1, 2, 3]);
      expect(r.replicas).toContain(r.leader);
      expect(r.underQuorum).toBe(false);
    }
    const m = rows.find((r) => r.topic === 'majority')!;
    expect([m.writeQuorum, m.readQuorum]).toEqual([2, 2]);
    expect(rows.some((r) => r.topic === '__consumer_offsets')).toBe(false);

    const table = await brook(['partition', 'list', '--topic', 'strict', ...at]);
    expect(table.stdout).toMatch(
      /^TOPIC\s+PARTITION\s+LEADER\s+EPOCH\s+REPLICAS\s+ISR\s+HW\s+LOG-END\s+W\s+R\s+UNDER-QUORUM$/m,
    );
    expect(table.stdout).toMatch(
      /^strict\s+0\s+\d\s+\d+\s+[123],[123],[123]\s+[123],[123],[123]\s+3\s+3\s+3\s+1\s+no$/m,
    );
    const internal = await brook(['partition', 'list', '--internal', '--output', 'json', ...at]);
    expect((JSON.parse(internal.stdout) as PartitionRow[]).some((r) => r.topic === '__consumer_offsets')).toBe(true);

    const unknown = await brook(['partition', 'list', '--topic', 'nowhere', ...at]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^brook: .*UNKNOWN_TOPIC_OR_PARTITION.*\n$/);
  });

  it('shows a killed node as not live and the partitions it leaves under quorum', async () => {
    const victim = nodes[2]!;
    await victim.kill();
    const info = await waitFor(
      'node 3 fenced',
      async () => {
        const i = await clusterInfo();
        return i.brokers.length === 2 ? i : null;
      },
      30_000,
    );
    expect(info.quorum.voters.find((v) => v.nodeId === 3)!.live).toBe(false);
    expect(info.quorum.voters.filter((v) => v.live).map((v) => v.nodeId)).toEqual([1, 2]);

    const rows = await waitFor(
      'in-sync replicas without node 3',
      async () => {
        const r = await partitions();
        return r.every((p) => !p.isr.includes(3) && p.leader !== 3 && p.leader >= 0) ? r : null;
      },
      30_000,
    );
    for (const r of rows.filter((p) => p.topic === 'strict')) expect(r.underQuorum, JSON.stringify(r)).toBe(true);
    expect(rows.find((p) => p.topic === 'majority')!.underQuorum).toBe(false);
    const table = await brook(['partition', 'list', '--topic', 'strict', ...at]);
    expect(table.stdout).toMatch(/^strict\s+0\s+.*\s+yes$/m);

    // A bootstrap list whose first broker is down still answers.
    const dead = [victim.bootstrap, nodes[0]!.bootstrap].join(',');
    const listed = await brook(['topic', 'list', '--bootstrap-server', dead]);
    expect(listed.code, shown(listed)).toBe(0);
  });
});
