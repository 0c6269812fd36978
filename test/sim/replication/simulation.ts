// A deterministic, seeded, single-threaded simulation of one partition's replication over virtual
// time (DESIGN §5 and §9, in the manner of the Raft simulation next door). One seed fixes every
// choice. N replicas (pure LeaderCore/FollowerCore inside the shells of replica.ts), a controller
// with a linearizable register standing in for Raft (controller.ts), and clients that produce
// unique values with acks=all. Two phases:
//   1. safety: the network drops, delays, duplicates, reorders and partitions messages (the
//      controller included, so failovers happen on false suspicions too); replicas crash, losing
//      their page cache or not, alone or several at once (a rack losing power), and sometimes
//      aimed right after they answered a seal or acknowledged an append; they restart from disk;
//      fsyncs take time, so acknowledgements race with crashes; the controller crashes and
//      restarts, and moves leadership on its own. The checker (checker.ts) runs after every event.
//      With `bug` set, the replica shell breaks one protocol rule on purpose (replica.ts).
//   2. liveness: faults stop, the network heals, everything restarts; a leader of the registered
//      epoch must reach a high watermark covering every acknowledged write and acknowledge new ones.
import type { Prng } from '../../../src/raft/prng.js';
import { createPrng } from '../../../src/raft/prng.js';
import { quorumsAreSafe } from '../../../src/replication/protocol/index.js';
import { EventQueue } from '../event-queue.js';
import { ReplicationChecker, Violation } from './checker.js';
import { type PartitionRegister, SimController } from './controller.js';
import type { SimMessage } from './messages.js';
import { CLIENT_ID_BASE, CONTROLLER_ID } from './messages.js';
import { SimNetwork } from './network.js';
import { type ReplicationSimBug, SimReplica } from './replica.js';

export { ReplicationSimBug } from './replica.js';

export interface ReplicationSimOptions {
  readonly seed: number;
  readonly replicas: 3 | 5;
  readonly writeQuorum: number;
  readonly readQuorum: number;
  /** Virtual duration of the fault phase (default 4000 ms). */
  readonly safetyMs?: number;
  /** Bound on the liveness phase (default 10000 ms). */
  readonly livenessMs?: number;
  /** Add the stack trace to the violation (debugging a seed). */
  readonly stack?: boolean;
  /** A deliberate protocol mistake in the replica shell (proof the checker catches it). */
  readonly bug?: ReplicationSimBug;
}

export interface ReplicationSimStats {
  events: number;
  produced: number;
  acked: number;
  ackedEnd: number;
  committedEnd: number;
  notEnoughReplicas: number;
  notLeader: number;
  timeouts: number;
  failovers: number;
  failedFailoverAttempts: number;
  transfers: number;
  crashes: number;
  machineCrashes: number;
  correlatedCrashes: number;
  aimedCrashes: number;
  controllerCrashes: number;
  partitions: number;
  maxEpoch: number;
}

export interface ReplicationSimResult {
  readonly seed: number;
  readonly config: string;
  readonly ok: boolean;
  readonly violation?: string;
  readonly stats: ReplicationSimStats;
}

/** W + R > N combinations the CI runs (DESIGN §5 examples among them). */
export const SAFE_QUORUMS: Readonly<Record<3 | 5, ReadonlyArray<readonly [number, number]>>> = {
  3: [
    [2, 2],
    [3, 1],
    [1, 3],
  ],
  5: [
    [3, 3],
    [4, 2],
    [2, 4],
  ],
};

/** W + R <= N: acknowledged writes can be lost, and the checker must say so. */
export const UNSAFE_QUORUMS: Readonly<Record<3 | 5, ReadonlyArray<readonly [number, number]>>> = {
  3: [
    [1, 1],
    [2, 1],
    [1, 2],
  ],
  5: [
    [2, 2],
    [3, 2],
    [2, 3],
  ],
};

/**
 * The configuration a seed runs with: N alternates with the seed (or is given), and (W, R) cycles
 * through the safe (or unsafe) combinations for that N.
 */
export function configForSeed(
  seed: number,
  quorums: 'safe' | 'unsafe' = 'safe',
  replicationFactor?: 3 | 5,
): Pick<ReplicationSimOptions, 'replicas' | 'writeQuorum' | 'readQuorum'> {
  const replicas: 3 | 5 = replicationFactor ?? (seed % 2 === 0 ? 5 : 3);
  const list = (quorums === 'safe' ? SAFE_QUORUMS : UNSAFE_QUORUMS)[replicas];
  const turn = replicationFactor === undefined ? Math.floor(seed / 2) : seed;
  const [writeQuorum, readQuorum] = list[turn % list.length] as readonly [number, number];
  return { replicas, writeQuorum, readQuorum };
}

export function describeConfig(o: Pick<ReplicationSimOptions, 'replicas' | 'writeQuorum' | 'readQuorum'>): string {
  return `N=${o.replicas} W=${o.writeQuorum} R=${o.readQuorum}${quorumsAreSafe(o.replicas, o.writeQuorum, o.readQuorum) ? '' : ' (unsafe)'}`;
}

export function runReplicationSimulation(opts: ReplicationSimOptions): ReplicationSimResult {
  return new ReplicationSimulation(opts).run();
}

interface SimClient {
  readonly id: number;
  leader: number;
  leaderEpoch: number;
  outstanding: { requestId: number; values: number[]; sentMs: number } | null;
  nextRequestId: number;
  lastPollMs: number;
}

const REPLICA_TICK_MS = 10;
const CONTROLLER_TICK_MS = 20;
const CLIENTS = 3;
const EVENTS_MAX = 3_000_000;

class ReplicationSimulation {
  private readonly rng: Prng;
  private readonly queue = new EventQueue();
  private now = 0;
  private readonly checker: ReplicationChecker;
  private readonly network: SimNetwork;
  private readonly replicas = new Map<number, SimReplica>();
  private readonly controller: SimController;
  private readonly clients: SimClient[] = [];
  private faults = true;
  private valueSeq = 1;
  private readonly stats: ReplicationSimStats = {
    events: 0,
    produced: 0,
    acked: 0,
    ackedEnd: 0,
    committedEnd: 0,
    notEnoughReplicas: 0,
    notLeader: 0,
    timeouts: 0,
    failovers: 0,
    failedFailoverAttempts: 0,
    transfers: 0,
    crashes: 0,
    machineCrashes: 0,
    correlatedCrashes: 0,
    aimedCrashes: 0,
    controllerCrashes: 0,
    partitions: 0,
    maxEpoch: 0,
  };

  // Per-seed parameters.
  private readonly safetyMs: number;
  private readonly livenessMs: number;
  private readonly crashMeanMs: number;
  private readonly downMaxMs: number;
  private readonly partitionMeanMs: number;
  private readonly produceGapMeanMs: number;
  private readonly clientTimeoutMs = 600;
  /** Chance that a replica loses power right after answering a seal / acknowledging an append. */
  private readonly aimAfterSeal: number;
  private readonly aimAfterAck: number;
  private liveness: { deadline: number; acksAtHeal: number } | null = null;
  private livenessDone = false;

  constructor(private readonly opts: ReplicationSimOptions) {
    this.rng = createPrng(opts.seed);
    const r = this.rng;
    this.safetyMs = opts.safetyMs ?? 4000;
    this.livenessMs = opts.livenessMs ?? 10_000;
    this.crashMeanMs = 300 + r.next() * 1500;
    this.downMaxMs = 200 + r.nextInt(0, 1500);
    this.partitionMeanMs = 300 + r.next() * 1500;
    this.produceGapMeanMs = 3 + r.next() * 20;
    this.aimAfterSeal = r.next() * 0.3;
    this.aimAfterAck = r.next() * 0.01;
    const ackAfterFlush = r.next() < 0.6;
    const fsyncMaxMs = 1 + r.nextInt(0, 40);
    this.network = new SimNetwork(
      this.queue,
      r,
      () => this.now,
      {
        dropRate: r.next() * 0.08,
        dupRate: r.next() * 0.05,
        delayMinMs: 1 + r.nextInt(0, 3),
        delayMeanMs: 1 + r.next() * 12,
      },
      (m) => this.deliver(m),
    );
    this.checker = new ReplicationChecker(() => this.activeLeaders());
    const ids = Array.from({ length: opts.replicas }, (_, i) => i + 1);
    const env = {
      now: () => this.now,
      schedule: (at: number, run: () => void) => this.queue.push(at, run),
      send: (m: SimMessage) => this.network.send(m),
      rng: r,
      checker: this.checker,
      replicas: ids,
      writeQuorum: opts.writeQuorum,
      ackAfterFlush,
      fsyncMinMs: 0,
      fsyncMaxMs,
      limits: {
        inflightRequestsMax: 1 + r.nextInt(0, 6),
        requestBytesMax: 100 * (1 + r.nextInt(0, 8)),
        inflightBytesMax: 4000,
        heartbeatIntervalMs: 30,
        requestTimeoutMs: 150,
        replicaLiveTimeoutMs: 300,
        replicaLagTimeMaxMs: 1000,
      },
      heartbeatToControllerMs: 40,
      pollMs: 250,
      ...(opts.bug !== undefined ? { bug: opts.bug } : {}),
      justAnswered: (replica: SimReplica, what: 'seal' | 'append') => this.aimCrash(replica, what),
    };
    for (const id of ids) this.replicas.set(id, new SimReplica(id, env));
    for (let i = 0; i < CLIENTS; i++) {
      this.clients.push({
        id: CLIENT_ID_BASE + i,
        leader: -1,
        leaderEpoch: 0,
        outstanding: null,
        nextRequestId: 1,
        lastPollMs: Number.NEGATIVE_INFINITY,
      });
    }
    this.controller = new SimController({
      now: () => this.now,
      send: (m) => this.network.send(m),
      rng: r,
      replicas: ids,
      readQuorum: opts.readQuorum,
      sessionTimeoutMs: 250 + r.nextInt(0, 250),
      sealTimeoutMs: 150,
      subscribers: () => [...ids, ...this.clients.map((c) => c.id)],
      onCommit: (reg: PartitionRegister) => {
        if (reg.epoch > this.stats.maxEpoch) this.stats.maxEpoch = reg.epoch;
      },
    });
  }

  run(): ReplicationSimResult {
    const config = describeConfig(this.opts);
    try {
      this.schedule();
      const end = this.safetyMs + this.livenessMs + 1;
      for (let guard = 0; guard < EVENTS_MAX; guard++) {
        const ev = this.queue.pop();
        if (ev === undefined || ev.at > end || this.livenessDone) break;
        this.now = ev.at;
        this.checker.now = ev.at;
        ev.run();
        this.stats.events++;
        this.checkAfterEvent();
      }
      if (!this.livenessDone)
        throw new Violation(
          `liveness: no leader covered every acknowledged write within ${this.livenessMs}ms after healing\n${this.describe()}`,
        );
      return { seed: this.opts.seed, config, ok: true, stats: this.finalStats() };
    } catch (err) {
      const what =
        err instanceof Error
          ? `${err.name}: ${err.message}${this.opts.stack === true ? `\n${err.stack ?? ''}\n${this.describe()}` : ''}`
          : String(err);
      return { seed: this.opts.seed, config, ok: false, violation: what, stats: this.finalStats() };
    }
  }

  private finalStats(): ReplicationSimStats {
    this.stats.acked = this.checker.acks;
    this.stats.ackedEnd = this.checker.ackedEnd;
    this.stats.committedEnd = this.checker.committedEnd;
    this.stats.failovers = this.controller.failovers;
    this.stats.failedFailoverAttempts = this.controller.failedAttempts;
    this.stats.transfers = this.controller.voluntary;
    return this.stats;
  }

  // ---------------------------------------------------------------- wiring

  private deliver(m: SimMessage): void {
    if (m.to === CONTROLLER_ID) return this.controller.receive(m);
    const replica = this.replicas.get(m.to);
    if (replica !== undefined) return replica.receive(m);
    const client = this.clients.find((c) => c.id === m.to);
    if (client !== undefined) this.clientReceive(client, m);
  }

  private activeLeaders(): Array<{ id: number; epoch: number; log: SimReplica['log'] }> {
    const out = [];
    for (const r of this.replicas.values()) {
      const l = r.up ? r.activeLeader : null;
      if (l !== null) out.push({ id: r.id, epoch: l.epoch, log: r.log });
    }
    return out;
  }

  private exp(meanMs: number): number {
    return Math.max(1, Math.floor(-Math.log(1 - this.rng.next()) * meanMs));
  }

  /** Runs `action` at exponential intervals while faults are on. */
  private every(meanMs: number, action: () => void): void {
    const loop = (): void => {
      if (!this.faults) return;
      action();
      this.queue.push(this.now + this.exp(meanMs), loop);
    };
    this.queue.push(this.exp(meanMs), loop);
  }

  /** Runs `action` every `periodMs` for the whole run. */
  private periodic(periodMs: number, offsetMs: number, action: () => void): void {
    const loop = (): void => {
      action();
      this.queue.push(this.now + periodMs, loop);
    };
    this.queue.push(offsetMs, loop);
  }

  private schedule(): void {
    for (const r of this.replicas.values())
      this.periodic(REPLICA_TICK_MS, 1 + this.rng.nextInt(0, REPLICA_TICK_MS), () => r.tick());
    this.periodic(CONTROLLER_TICK_MS, 1, () => this.controller.tick());
    for (const c of this.clients) {
      const loop = (): void => {
        this.clientStep(c);
        this.queue.push(this.now + this.exp(this.produceGapMeanMs), loop);
      };
      this.queue.push(this.exp(this.produceGapMeanMs), loop);
    }
    this.every(this.partitionMeanMs, () => this.partition());
    this.every(this.crashMeanMs, () => this.crashSome());
    this.every(this.crashMeanMs * 3, () => this.crashMany());
    this.every(4000, () => this.crashController());
    this.every(1500, () => this.controller.transfer());
    this.queue.push(this.safetyMs, () => this.heal());
  }

  // ---------------------------------------------------------------- clients

  private clientStep(c: SimClient): void {
    if (c.outstanding !== null && this.now - c.outstanding.sentMs > this.clientTimeoutMs) {
      c.outstanding = null; // the outcome is unknown: the values are never retried
      this.stats.timeouts++;
      this.clientPoll(c);
    }
    if (c.outstanding !== null) return;
    if (c.leader < 0 || this.now - c.lastPollMs > 1000) this.clientPoll(c);
    if (c.leader < 0) return;
    const count = 1 + this.rng.nextInt(0, 3);
    const values: number[] = [];
    for (let i = 0; i < count; i++) values.push(this.valueSeq++);
    const requestId = c.nextRequestId++;
    c.outstanding = { requestId, values, sentMs: this.now };
    this.stats.produced += count;
    this.network.send({ kind: 'produce', from: c.id, to: c.leader, requestId, values });
  }

  private clientPoll(c: SimClient): void {
    c.lastPollMs = this.now;
    this.network.send({ kind: 'poll', from: c.id, to: CONTROLLER_ID });
  }

  private clientReceive(c: SimClient, m: SimMessage): void {
    if (m.kind === 'partitionChange') {
      if (m.epoch > c.leaderEpoch) {
        c.leaderEpoch = m.epoch;
        c.leader = m.leader;
      }
      return;
    }
    if (m.kind !== 'produceResponse') return;
    const out = c.outstanding;
    if (out === null || out.requestId !== m.requestId) return; // late: the client gave up on it
    c.outstanding = null;
    if (m.error === null) {
      this.checker.onAck(c.id, out.values, m.baseOffset, m.epoch);
      return;
    }
    if (m.error === 'NOT_ENOUGH_REPLICAS') this.stats.notEnoughReplicas++;
    else this.stats.notLeader++;
    this.clientPoll(c);
  }

  // ---------------------------------------------------------------- faults

  private partition(): void {
    const ids = [CONTROLLER_ID, ...this.replicas.keys()];
    const blocked = new Set<string>();
    const mode = this.rng.nextInt(0, 4);
    const pick = (): number => ids[this.rng.nextInt(0, ids.length)] as number;
    if (mode === 0) {
      const x = pick();
      for (const y of ids) if (y !== x) blocked.add(`${x}>${y}`).add(`${y}>${x}`);
    } else if (mode === 1) {
      const side = new Map(ids.map((id) => [id, this.rng.next() < 0.5]));
      for (const a of ids) for (const b of ids) if (side.get(a) !== side.get(b)) blocked.add(`${a}>${b}`);
    } else if (mode === 2) {
      const x = pick();
      const inbound = this.rng.next() < 0.5;
      for (const y of ids) if (y !== x) blocked.add(inbound ? `${y}>${x}` : `${x}>${y}`);
    }
    // mode 3: heal
    this.stats.partitions++;
    this.network.setBlocked(blocked);
    const duration = 100 + this.rng.nextInt(0, 1500);
    this.queue.push(this.now + duration, () => {
      if (this.network.blockedLinks === blocked) this.network.setBlocked(new Set());
    });
  }

  private crashSome(): void {
    const up = [...this.replicas.values()].filter((r) => r.up);
    const leaders = up.filter((r) => r.activeLeader !== null);
    // Half the time aim at the leader: that is where acknowledgements race with crashes.
    const pool = leaders.length > 0 && this.rng.next() < 0.5 ? leaders : up;
    const victim = pool[this.rng.nextInt(0, pool.length)];
    if (victim === undefined) return;
    const losePageCache = this.rng.next() < 0.7;
    victim.crash(losePageCache);
    this.stats.crashes++;
    if (losePageCache) this.stats.machineCrashes++;
    this.queue.push(this.now + 1 + this.rng.nextInt(0, this.downMaxMs), () => victim.restart());
  }

  /** Aims a machine crash where acknowledgements race with durability: just after an answer left. */
  private aimCrash(replica: SimReplica, what: 'seal' | 'append'): void {
    if (!this.faults || this.rng.next() >= (what === 'seal' ? this.aimAfterSeal : this.aimAfterAck)) return;
    const inc = replica.incarnation;
    this.queue.push(this.now + this.rng.nextInt(0, 30), () => {
      if (!this.faults || replica.incarnation !== inc || !replica.up) return;
      replica.crash(true);
      this.stats.crashes++;
      this.stats.machineCrashes++;
      this.stats.aimedCrashes++;
      this.queue.push(this.now + 1 + this.rng.nextInt(0, this.downMaxMs), () => replica.restart());
    });
  }

  /** A correlated failure (a rack or a whole site losing power): several replicas at the same instant. */
  private crashMany(): void {
    const up = [...this.replicas.values()].filter((r) => r.up);
    if (up.length < 2) return;
    const count = 2 + this.rng.nextInt(0, up.length - 1);
    const losePageCache = this.rng.next() < 0.8;
    for (let i = 0; i < count; i++) {
      const victim = up.splice(this.rng.nextInt(0, up.length), 1)[0] as SimReplica;
      victim.crash(losePageCache);
      this.stats.crashes++;
      if (losePageCache) this.stats.machineCrashes++;
      this.queue.push(this.now + 1 + this.rng.nextInt(0, this.downMaxMs), () => victim.restart());
    }
    this.stats.correlatedCrashes++;
  }

  private crashController(): void {
    if (!this.controller.up) return;
    this.controller.crash();
    this.stats.controllerCrashes++;
    this.queue.push(this.now + 50 + this.rng.nextInt(0, 500), () => this.controller.restart());
  }

  // ---------------------------------------------------------------- liveness

  private heal(): void {
    this.faults = false;
    this.network.heal();
    for (const r of this.replicas.values()) r.restart();
    this.controller.restart();
    this.liveness = { deadline: this.now + this.livenessMs, acksAtHeal: this.checker.acks };
  }

  private checkLiveness(): void {
    const live = this.liveness;
    if (live === null) return;
    const reg = this.controller.register;
    const leader = this.replicas.get(reg.leader);
    const l = leader?.up === true ? leader.activeLeader : null;
    if (
      l !== null &&
      l.epoch === reg.epoch &&
      leader !== undefined &&
      leader.effectiveHighWatermark >= this.checker.ackedEnd &&
      this.checker.acks > live.acksAtHeal
    ) {
      this.livenessDone = true;
      return;
    }
    if (this.now > live.deadline)
      throw new Violation(
        `liveness: no leader covered every acknowledged write within ${this.livenessMs}ms after healing\n${this.describe()}`,
      );
  }

  // ---------------------------------------------------------------- checks

  private checkAfterEvent(): void {
    for (const r of this.replicas.values()) {
      if (!r.up) continue;
      const l = r.activeLeader;
      if (l !== null) this.checker.onLeaderHighWatermark(r.id, l.epoch, r.effectiveHighWatermark, r.log);
      const fhw = r.follower.highWatermark;
      if (fhw > r.followerHighWatermarkSeen) {
        this.checker.onFollowerHighWatermark(r.id, r.log, r.followerHighWatermarkSeen, fhw);
        r.followerHighWatermarkSeen = fhw;
      }
    }
    this.checkLiveness();
  }

  /** One line per replica, for a failure report. */
  describe(): string {
    const reg = this.controller.register;
    const lines = [`  register: epoch ${reg.epoch} leader ${reg.leader}; acked end ${this.checker.ackedEnd}`];
    for (const r of this.replicas.values()) {
      const l = r.leader;
      const role = !r.up
        ? 'down'
        : l === null
          ? `follower of ${r.follower.leaderEpoch}`
          : `leader of ${l.epoch}${l.fenced ? ' (fenced)' : ''} hw ${l.highWatermark}`;
      const progress = l === null ? '' : l.followerIds.map((f) => JSON.stringify(l.progressOf(f))).join(' ');
      lines.push(
        `  replica ${r.id}: ${role}; sealed ${r.follower.sealedEpoch} log end ${r.log.logEndOffset} durable ${r.log.durableEndOffset} ` +
          `epochs ${JSON.stringify(r.log.epochEntries())} ${progress}`,
      );
    }
    return lines.join('\n');
  }
}
