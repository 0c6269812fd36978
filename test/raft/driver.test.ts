// The Raft driver end to end, in process: real LevelDB directories, real gRPC on 127.0.0.1 and the
// production timings (100 ms heartbeat, election timeout in [500, 1000) ms).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcServer, createClient, grpc, loadProto, serviceConstructor } from '../../src/common/grpc.js';
import { silentLogger } from '../../src/common/log.js';
import { NotLeaderError, ProposalDroppedError } from '../../src/raft/driver.js';
import { openNodeRaftDriver } from '../../src/raft/driver-node.js';
import { message, MessageType } from '../../src/raft/index.js';
import { freePort } from '../helpers/node-process.js';
import { bytes, ListMachine, TestCluster, waitFor } from './driver-harness.js';

const SNAPSHOT_ENTRIES = 20;

describe('RaftDriver: three nodes over gRPC and LevelDB', () => {
  let cluster: TestCluster;
  /** Every payload whose proposal resolved, in commit order. */
  const acknowledged: string[] = [];

  beforeAll(async () => {
    cluster = await TestCluster.start(3, { snapshotEntries: SNAPSHOT_ENTRIES, snapshotTrailingEntries: 5 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  async function proposeAll(payloads: string[]): Promise<void> {
    const leader = await cluster.waitForLeader();
    const results = await Promise.all(payloads.map((p) => leader.driver.propose(bytes(p))));
    for (let i = 1; i < results.length; i++) expect(results[i]!.index).toBeGreaterThan(results[i - 1]!.index);
    acknowledged.push(...payloads);
  }

  async function allApplied(timeoutMs = 5_000): Promise<void> {
    await waitFor(() => cluster.alive().every((m) => m.machine.applied.length === acknowledged.length), timeoutMs);
    for (const m of cluster.alive()) expect(m.machine.applied).toEqual(acknowledged);
  }

  it('elects exactly one leader that every node knows', async () => {
    const leader = await cluster.waitForLeader();
    expect(cluster.members.filter((m) => m.driver.isLeader)).toHaveLength(1);
    for (const m of cluster.members) expect(m.driver.status().leaderId).toBe(leader.id);
  });

  it('commits proposals and applies them on every node in the same order', async () => {
    await proposeAll(Array.from({ length: 15 }, (_, i) => `a${i}`));
    await allApplied();
  });

  it('refuses a proposal on a follower, naming the leader', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.alive().find((m) => m !== leader)!;
    const err = await follower.driver.propose(bytes('nope')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).leaderId).toBe(leader.id);
  });

  it('readIndex on a follower returns only after the follower applied earlier commits', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.alive().find((m) => m !== leader)!;
    for (let round = 0; round < 5; round++) {
      const payload = `r${round}`;
      await leader.driver.propose(bytes(payload));
      acknowledged.push(payload);
      await follower.driver.readIndex();
      expect(follower.machine.applied).toContain(payload);
    }
  });

  it('elects a new leader within 2 s of the leader being killed, and proposals work again', async () => {
    const old = await cluster.waitForLeader();
    const killedAt = Date.now();
    await cluster.kill(old.id);
    const leader = await cluster.waitForLeader(4_000);
    const electedMs = Date.now() - killedAt;
    console.log(`raft driver: new leader ${leader.id} elected ${electedMs} ms after leader ${old.id} was killed`);
    expect(leader.id).not.toBe(old.id);
    expect(electedMs).toBeLessThan(2_000);
    await proposeAll(['b0', 'b1', 'b2']);
    const writableMs = Date.now() - killedAt;
    console.log(`raft driver: proposals commit again ${writableMs} ms after the kill`);
    await allApplied();
  });

  it('a killed node restarts from its LevelDB state and catches up', async () => {
    const dead = cluster.members.find((m) => !m.alive)!;
    const restarted = await cluster.restart(dead.id);
    await proposeAll(['c0', 'c1']);
    await allApplied();
    expect(restarted.machine.applied).toEqual(acknowledged);
  });

  it('a node that missed more than snapshotEntries entries catches up by InstallSnapshot', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.alive().find((m) => m !== leader)!;
    await cluster.kill(follower.id);
    const sentBefore = leader.driver.status().snapshotsSent;
    await proposeAll(Array.from({ length: 3 * SNAPSHOT_ENTRIES }, (_, i) => `d${i}`));
    expect(leader.driver.status().snapshotsTaken).toBeGreaterThan(0);
    // The leader compacted past everything the follower holds.
    expect(leader.driver.status().firstIndex).toBeGreaterThan(follower.driver.status().lastIndex + 1);
    const back = await cluster.restart(follower.id);
    await allApplied();
    expect(back.driver.status().snapshotsReceived).toBeGreaterThanOrEqual(1);
    expect(back.machine.restores).toBeGreaterThanOrEqual(1);
    expect(leader.driver.status().snapshotsSent).toBeGreaterThan(sentBefore);
  });

  it('transfers leadership on request', async () => {
    const leader = await cluster.waitForLeader();
    const target = cluster.alive().find((m) => m !== leader)!;
    expect(await leader.driver.transferLeadership(target.id)).toBe(true);
    expect((await cluster.waitForLeader()).id).toBe(target.id);
    await proposeAll(['e0']);
    await allApplied();
  });

  it('fails a proposal with ProposalDroppedError when a partitioned leader loses its entry', async () => {
    const old = await cluster.waitForLeader();
    cluster.isolate(old.id);
    const lost = old.driver.propose(bytes('lost')).catch((e: unknown) => e);
    let leader = old;
    await waitFor(() => {
      leader = cluster.alive().find((m) => m !== old && m.driver.isLeader) ?? old;
      return leader !== old;
    }, 4_000);
    await leader.driver.propose(bytes('h1'));
    acknowledged.push('h1');
    cluster.heal();
    const err = await lost;
    expect(err).toBeInstanceOf(ProposalDroppedError);
    expect((err as ProposalDroppedError).leaderId).toBe(leader.id);
    await allApplied();
    for (const m of cluster.alive()) expect(m.machine.applied).not.toContain('lost');
  });

  it('refuses message batches from another cluster and logs it', async () => {
    const target = cluster.alive()[0]!;
    const termBefore = target.driver.status().term;
    const ctor = serviceConstructor(loadProto('raft.proto'), 'brook.raft.Raft');
    const client = createClient<
      grpc.Client & { Send: (b: unknown, cb: (err: grpc.ServiceError | null) => void) => void }
    >(ctor, `127.0.0.1:${target.port}`, grpc.credentials.createInsecure());
    const intruder = message({ type: MessageType.MsgHeartbeat, from: 9, to: target.id, term: termBefore + 50 });
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.Send({ clusterId: 'another-cluster', messages: [intruder] }, resolve),
    );
    client.close();
    expect(err?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(target.driver.status().rejectedBatches).toBe(1);
    expect(target.driver.status().term).toBe(termBefore);
  });

  it('keeps every acknowledged entry when all nodes stop at once and restart', async () => {
    await proposeAll(['f0', 'f1', 'f2']);
    for (const m of cluster.members) await cluster.kill(m.id);
    for (const m of cluster.members) await cluster.restart(m.id);
    await cluster.waitForLeader(4_000);
    await proposeAll(['g0']);
    await allApplied();
  });
});

describe('RaftDriver durability', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brook-raft-kill-'));

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('every proposal that resolved is applied after kill -9 and a restart', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures/driver-child.ts'), dir, String(port)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const acked: string[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
        if (acked.length >= 200) resolve();
      });
    });
    child.kill('SIGKILL');
    await exited;
    // Lines the child printed before it died are acknowledged too.
    for (const line of buffered.split('\n')) if (line.startsWith('ack ')) acked.push(line.slice(4));

    const server = new GrpcServer(silentLogger);
    const machine = new ListMachine();
    const driver = await openNodeRaftDriver({
      nodeId: 1,
      clusterId: 'durability',
      peers: [{ nodeId: 1, address: `127.0.0.1:${port}` }],
      dir,
      grpcServer: server,
      stateMachine: machine,
      logger: silentLogger,
    });
    try {
      await waitFor(() => driver.isLeader, 3_000);
      await driver.readIndex();
      const applied = new Set(machine.applied);
      const missing = acked.filter((p) => !applied.has(p));
      expect(missing).toEqual([]);
      expect(acked.length).toBeGreaterThanOrEqual(200);
    } finally {
      await driver.close();
      server.server.forceShutdown();
    }
  });
});
