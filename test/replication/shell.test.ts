// The replication shell in one process: three replicas (Replica) over real PartitionLogs, with
// the network replaced by direct calls through the append frames (so the wire encoding is
// exercised too). Checks the write path (HW, acks=all waiters, follower logs), NOT_ENOUGH_REPLICAS
// liveness, failover by Seal with truncation of an uncommitted suffix, the durable sealed epoch,
// idempotent producer state on a new leader, and the leadership notifications.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/common/assert.js';
import { systemClock } from '../../src/common/clock.js';
import { ErrorCode, KafkaError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/log.js';
import { Replica, type ReplicaAssignment, type ReplicaIo } from '../../src/replication/replica.js';
import {
  AppendError,
  chooseLeader,
  type AppendResponse,
  type SealResponse,
} from '../../src/replication/protocol/index.js';
import {
  decodeAppendAnswers,
  decodeAppendCall,
  encodeAppendAnswers,
  encodeAppendCall,
} from '../../src/replication/append-frames.js';
import { isOperatingError } from '../../src/replication/invariants.js';
import type { WireAppendRequest } from '../../src/replication/wire.js';
import {
  buildRecordBatch,
  decodeRecords,
  type Disk,
  DiskError,
  nodeDisk,
  makeLogConfig,
  PartitionLog,
  splitBatches,
} from '../../src/storage/index.js';

const dirs: string[] = [];
const open: Replica[] = [];
/** Broken invariants the replicas reported (none may happen). */
const fatalErrors: unknown[] = [];

afterEach(async () => {
  for (const p of open.splice(0)) {
    await p.close();
    await p.log.close();
  }
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  expect(fatalErrors.splice(0)).toEqual([]);
});

function batchOf(values: string[], options: Parameters<typeof buildRecordBatch>[1] = {}): Buffer {
  return buildRecordBatch(
    values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: 1_700_000_000_000 })),
    options,
  );
}

async function valuesOf(log: PartitionLog): Promise<string[]> {
  const { chunks } = await log.read(log.logStartOffset, 64 * 1024 * 1024, log.logEndOffset);
  const out: string[] = [];
  for (const chunk of chunks)
    for (const b of splitBatches(chunk)) for (const r of decodeRecords(b)) out.push(r.value!.toString());
  return out;
}

async function until(what: string, cond: () => boolean, cluster?: Cluster, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    cluster?.tick();
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Three replicas of one partition, wired to each other by direct calls; links can be cut. */
class Cluster {
  readonly replicas = new Map<number, Replica>();
  readonly down = new Set<number>();
  readonly leadership: string[] = [];
  readonly dirs = new Map<number, string>();
  /** Nodes whose disk fails every fsync from now on. */
  readonly failingDisks = new Set<number>();
  /** Nodes that stopped because a log failed (storageFailed). */
  readonly stopped: number[] = [];

  io(nodeId: number): ReplicaIo {
    return {
      nodeId,
      limits: { replicaLiveTimeoutMs: 300, requestTimeoutMs: 200 },
      clock: systemClock,
      send: async (to: number, request: WireAppendRequest): Promise<AppendResponse | null> => {
        if (this.down.has(to) || this.down.has(nodeId)) return null;
        const target = this.replicas.get(to);
        const [received] = decodeAppendCall(encodeAppendCall(1, 'test', [request])).appends;
        if (!target || !received || 'refused' in received.decoded) return null;
        const { request: decoded, buffers, leaderLogStartOffset } = received.decoded;
        const response = await target.handleAppend(decoded, buffers, leaderLogStartOffset);
        if (this.down.has(to) || this.down.has(nodeId)) return null;
        return decodeAppendAnswers(encodeAppendAnswers(1, [response])).answers[0] ?? null;
      },
      leadershipChanged: (replica, leading) =>
        this.leadership.push(`${nodeId}:${leading ? 'lead' : 'stop'}:${replica.leaderEpoch}`),
      fatal: (err) => fatalErrors.push(err),
      storageFailed: () => this.stopped.push(nodeId),
    };
  }

  /** The node's disk: node:fs, with fsyncs that fail once the node is in `failingDisks`. */
  disk(nodeId: number): Disk {
    return {
      ...nodeDisk,
      fdatasync: (fd) =>
        this.failingDisks.has(nodeId) ? Promise.reject(new DiskError('EIO', 'fdatasync')) : nodeDisk.fdatasync(fd),
    };
  }

  async start(nodeId: number, assignment: ReplicaAssignment): Promise<Replica> {
    let dir = this.dirs.get(nodeId);
    if (!dir) {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-shell-'));
      dirs.push(dir);
      this.dirs.set(nodeId, dir);
    }
    const log = await PartitionLog.open(dir, makeLogConfig({}), silentLogger, { disk: this.disk(nodeId) });
    const replica = await Replica.open(
      { topic: 't', topicId: 'tid', partition: 0 },
      log,
      assignment,
      this.io(nodeId),
      silentLogger,
    );
    this.replicas.set(nodeId, replica);
    open.push(replica);
    await replica.applyAssignment(assignment);
    return replica;
  }

  async stop(nodeId: number): Promise<void> {
    const replica = this.replicas.get(nodeId)!;
    this.replicas.delete(nodeId);
    open.splice(open.indexOf(replica), 1);
    await replica.close();
    await replica.log.close();
  }

  tick(): void {
    for (const [id, r] of this.replicas) if (!this.down.has(id)) r.tick();
  }

  /** What the controller does: seal the reachable replicas at epoch + 1, choose with R answers, apply everywhere. */
  async failover(from: ReplicaAssignment, readQuorum: number): Promise<ReplicaAssignment> {
    const epoch = from.leaderEpoch + 1;
    const answers: SealResponse[] = [];
    for (const [id, r] of this.replicas) if (!this.down.has(id)) answers.push(await r.handleSeal(epoch));
    const leader = chooseLeader(answers, readQuorum, from.replicas[0]!, epoch);
    expect(leader).not.toBeNull();
    const next = { ...from, leader: leader!, leaderEpoch: epoch };
    for (const r of this.replicas.values()) await r.applyAssignment(next);
    return next;
  }
}

const initial: ReplicaAssignment = { leader: 1, leaderEpoch: 0, replicas: [1, 2, 3], writeQuorum: 2 };

async function threeReplicas(): Promise<Cluster> {
  const cluster = new Cluster();
  for (const id of [1, 2, 3]) await cluster.start(id, initial);
  return cluster;
}

describe('the replication shell', () => {
  it('replicates appends, resolves acks=all waiters once W replicas hold them, and spreads the high watermark', async () => {
    const cluster = await threeReplicas();
    const leader = cluster.replicas.get(1)!;
    expect(leader.isLeader).toBe(true);
    expect(cluster.leadership).toEqual(['1:lead:0']);
    await until('followers heard from', () => leader.canAcceptAcksAll(), cluster);
    const results = [];
    for (let i = 0; i < 20; i++) results.push(leader.append([batchOf([`v${i}`, `w${i}`])], { messageCount: 2 }));
    expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    await leader.waitForHighWatermark(40, 5000);
    expect(leader.highWatermark).toBe(40);
    for (const id of [2, 3]) {
      const f = cluster.replicas.get(id)!;
      await until(`follower ${id} caught up`, () => f.logEndOffset === 40 && f.highWatermark === 40, cluster);
      expect(f.isLeader).toBe(false);
      expect(f.log.durableEndOffset).toBe(40);
      expect(await valuesOf(f.log)).toEqual(await valuesOf(leader.log));
      expect(() => f.append([batchOf(['x'])], { messageCount: 1 })).toThrow(KafkaError);
    }
    expect(leader.inSyncReplicas()?.sort()).toEqual([1, 2, 3]);
  });

  it('refuses acks=all when fewer than W replicas are live, and keeps HW below what only the leader has', async () => {
    const cluster = await threeReplicas();
    const leader = cluster.replicas.get(1)!;
    await until('followers heard from', () => leader.canAcceptAcksAll(), cluster);
    cluster.down.add(2);
    cluster.down.add(3);
    leader.append([batchOf(['lonely'])], { messageCount: 1 });
    await until('followers presumed dead', () => !leader.canAcceptAcksAll(), cluster);
    expect(leader.highWatermark).toBe(0);
    await expect(leader.waitForHighWatermark(1, 50)).rejects.toMatchObject({ code: ErrorCode.REQUEST_TIMED_OUT });
    cluster.down.delete(3);
    await until('one follower back', () => leader.highWatermark === 1, cluster);
    expect(leader.canAcceptAcksAll()).toBe(true);
  });

  it('fails over by Seal: the old leader steps down, its uncommitted suffix is cut, and it follows the new leader', async () => {
    const cluster = await threeReplicas();
    const old = cluster.replicas.get(1)!;
    await until('followers heard from', () => old.canAcceptAcksAll(), cluster);
    old.append([batchOf(['committed'])], { messageCount: 1 });
    await old.waitForHighWatermark(1, 5000);
    await until(
      'both followers hold it',
      () => [2, 3].every((id) => cluster.replicas.get(id)!.log.durableEndOffset === 1),
      cluster,
    );
    // Cut off, the old leader takes a write nobody else gets; a producer waits for it.
    cluster.down.add(1);
    old.append([batchOf(['uncommitted-1', 'uncommitted-2'])], { messageCount: 2 });
    const waiting = old.waitForHighWatermark(3, 10_000).then(
      () => 'acknowledged',
      (err: unknown) => err,
    );
    const sealedAt = initial.leaderEpoch + 1;
    // The controller hears only 2 and 3 (R = 2) and picks between them.
    const answers = [
      await cluster.replicas.get(2)!.handleSeal(sealedAt),
      await cluster.replicas.get(3)!.handleSeal(sealedAt),
    ];
    expect(answers.every((a) => a.accepted && a.logEndOffset === 1)).toBe(true);
    const leaderId = chooseLeader(answers, 2, 1, sealedAt)!;
    expect([2, 3]).toContain(leaderId);
    const next: ReplicaAssignment = { ...initial, leader: leaderId, leaderEpoch: sealedAt };
    for (const r of cluster.replicas.values()) await r.applyAssignment(next);
    const leader = cluster.replicas.get(leaderId)!;
    expect(leader.isLeader).toBe(true);
    expect(old.isLeader).toBe(false);
    expect(await waiting).toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    expect(cluster.leadership).toEqual(['1:lead:0', '1:stop:1', `${leaderId}:lead:1`]);
    // Back on the network, the old leader truncates what the new leader never had.
    cluster.down.delete(1);
    await until('followers of epoch 1 heard from', () => leader.canAcceptAcksAll(), cluster);
    leader.append([batchOf(['epoch-1'])], { messageCount: 1 });
    await leader.waitForHighWatermark(2, 5000);
    await until('old leader converged', () => old.logEndOffset === 2 && old.highWatermark === 2, cluster);
    for (const r of cluster.replicas.values()) expect(await valuesOf(r.log)).toEqual(['committed', 'epoch-1']);
    expect(old.log.epochEntries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 1, startOffset: 1 },
    ]);
  });

  it('a leader deposed by a follower sealed in an election that never finished asks the controller for a new one', async () => {
    // The controller fenced leader 1 and follower 3 for a moment and sealed only follower 2 at
    // epoch 1: too few answers, no PartitionChange. Both are back and unfenced, so no election is
    // wanted for them; the metadata still names 1 leader of epoch 0, which 2 now refuses.
    const cluster = await threeReplicas();
    const leader = cluster.replicas.get(1)!;
    await until('followers heard from', () => leader.canAcceptAcksAll(), cluster);
    expect((await cluster.replicas.get(2)!.handleSeal(1)).accepted).toBe(true);
    leader.append([batchOf(['after the seal'])], { messageCount: 1 });
    await until('leader deposed', () => !leader.isLeader, cluster);
    expect(leader.electionWanted(Date.now())).toBeNull(); // the failover may still finish: wait first
    expect(leader.electionWanted(Date.now() + 60_000)).toBe(0);
    expect(leader.status().cannotLead).toMatch(/sealed at a newer epoch/);
  });

  it('keeps the sealed epoch across a restart and refuses appends of older epochs', async () => {
    const cluster = await threeReplicas();
    const sealed = await cluster.replicas.get(3)!.handleSeal(5);
    expect(sealed).toMatchObject({ accepted: true, sealedEpoch: 5 });
    await cluster.stop(3);
    const again = await cluster.start(3, initial);
    const stale = await again.handleAppend(
      {
        epoch: 0,
        leaderId: 1,
        prevOffset: -1,
        prevEpoch: -1,
        batches: [],
        highWatermark: 0,
        epochStartOffset: 0,
        divergence: null,
      },
      [],
    );
    expect(stale.error).toBe(AppendError.fenced);
    expect(stale.epoch).toBe(5);
    expect((await again.handleSeal(4)).accepted).toBe(false);
  });

  it('de-duplicates an idempotent retry on the new leader after a failover', async () => {
    const cluster = await threeReplicas();
    const leader = cluster.replicas.get(1)!;
    await until('followers heard from', () => leader.canAcceptAcksAll(), cluster);
    const idempotent = batchOf(['once'], { producerId: 7, producerEpoch: 0, baseSequence: 0 });
    const first = leader.append([Buffer.from(idempotent)], { messageCount: 1 });
    await leader.waitForHighWatermark(first.lastOffset + 1, 5000);
    await until('followers hold it', () => [2, 3].every((id) => cluster.replicas.get(id)!.logEndOffset === 1), cluster);
    cluster.down.add(1);
    const next = await cluster.failover(initial, 2);
    const newLeader = cluster.replicas.get(next.leader)!;
    const retried = newLeader.append([Buffer.from(idempotent)], { messageCount: 1 });
    expect(retried).toMatchObject({ duplicate: true, baseOffset: first.baseOffset });
    expect(newLeader.logEndOffset).toBe(1);
  });

  it('resumes its epoch after a restart only as the single replica of a partition', async () => {
    const cluster = new Cluster();
    const single: ReplicaAssignment = { leader: 1, leaderEpoch: 0, replicas: [1], writeQuorum: 1 };
    const first = await cluster.start(1, single);
    first.append([batchOf(['a'])], { messageCount: 1 });
    await first.waitForHighWatermark(1, 5000);
    await cluster.stop(1);
    const again = await cluster.start(1, single);
    expect(again.isLeader).toBe(true);
    expect(again.highWatermark).toBe(1);
    expect(again.electionWanted(Date.now())).toBeNull();
    // With followers it must not lead the same epoch again: it asks for an election instead.
    const three = new Cluster();
    const one = await three.start(1, initial);
    await three.stop(1);
    const restarted = await three.start(1, initial);
    expect(one.isLeader).toBe(false);
    expect(restarted.isLeader).toBe(false);
    expect(restarted.electionWanted(Date.now())).toBe(0);
    expect(() => restarted.append([batchOf(['x'])], { messageCount: 1 })).toThrow(KafkaError);
  });
  it('a named leader whose disk fails while it takes the epoch asks the controller for a new election', async () => {
    const cluster = new Cluster();
    const replica = await cluster.start(1, { ...initial, leader: 2 });
    replica.log.assignEpochStart = () => Promise.reject(new DiskError('EIO', 'fsync'));
    await replica.applyAssignment({ ...initial, leader: 1, leaderEpoch: 1 });
    expect(replica.isLeader).toBe(false);
    // Nobody else would: the metadata names it, and its broker is alive.
    expect(replica.electionWanted(Date.now())).toBe(1);
    expect(replica.status().cannotLead).toMatch(/EIO/);
  });
  it('a replica whose log failed (an fsync error) stops its node, which recovers from the disk on restart', async () => {
    // After a failed fsync the log refuses writes and its page cache can no longer be trusted: a
    // leader that kept its leadership would take no write again, and its broker is alive, so no
    // election would come.
    const cluster = await threeReplicas();
    const leader = cluster.replicas.get(1)!;
    await until('followers heard from', () => leader.canAcceptAcksAll(), cluster);
    cluster.failingDisks.add(1);
    leader.append([batchOf(['not durable here'])], { messageCount: 1 });
    // At once (no tick): a leader whose log failed acknowledges nothing more.
    await until('the leader stepped down', () => !leader.isLeader);
    expect(cluster.stopped).toEqual([1]);
    await until('node 1 stopped', () => cluster.stopped.includes(1), cluster);
    expect(cluster.stopped.every((id) => id === 1)).toBe(true);
  });
});

describe('invariants on the replication path', () => {
  it('a broken invariant in a follower append stops the node; a disk error is an operating error for the leader to retry', async () => {
    const cluster = await threeReplicas();
    const leader = cluster.replicas.get(1)!;
    const follower = cluster.replicas.get(2)!;
    await until('followers heard from', () => leader.canAcceptAcksAll(), cluster);
    const appendAsFollower = follower.log.appendAsFollower.bind(follower.log);
    const request = {
      epoch: 0,
      leaderId: 1,
      prevOffset: -1,
      prevEpoch: -1,
      batches: [{ baseOffset: 0, lastOffset: 0, epoch: 0, sizeBytes: batchOf(['x']).length }],
      highWatermark: 0,
      epochStartOffset: 0,
      divergence: null,
    };
    follower.log.appendAsFollower = () => {
      throw new DiskError('EIO', 'write');
    };
    await expect(follower.handleAppend(request, [batchOf(['x'])])).rejects.toMatchObject({ code: 'EIO' });
    expect(fatalErrors).toEqual([]);
    follower.log.appendAsFollower = () => {
      throw new AssertionError('the log moved under the follower');
    };
    await expect(follower.handleAppend(request, [batchOf(['x'])])).rejects.toBeInstanceOf(AssertionError);
    expect(fatalErrors.splice(0)).toEqual([new AssertionError('the log moved under the follower')]);
    follower.log.appendAsFollower = appendAsFollower;
    expect(isOperatingError(new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR))).toBe(true);
    expect(isOperatingError(new TypeError('x is undefined'))).toBe(false);
  });
});
