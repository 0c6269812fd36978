// One simulated replica of the partition: the shell around the pure cores, as the real shell will
// be, with an in-memory log whose fsyncs take (virtual) time.
//
// Durability model: truncation and epoch markers are durable when they happen (PartitionLog makes
// them durable before returning; a crash earlier is the same as no request at all). Appends sit in
// the page cache until a group-commit flush completes after a random latency; the sealed epoch is
// persisted by that flush too. A machine crash loses the page cache; a process crash keeps it.
// Responses that depend on durable state leave only after the flush that covers it.
import { assert } from '../../../src/common/assert.js';
import type { Prng } from '../../../src/raft/prng.js';
import type { AppendRequest, AppendResponse, ReplicationLimits } from '../../../src/replication/protocol/index.js';
import {
  buildAppendRequest,
  entryFor,
  FollowerCore,
  hasEpochStart,
  LeaderCore,
  NO_EPOCH,
} from '../../../src/replication/protocol/index.js';
import type { ReplicationChecker } from './checker.js';
import type { SimMessage } from './messages.js';
import { CONTROLLER_ID } from './messages.js';
import { type SimBatch, SimLog } from './sim-log.js';

/**
 * Deliberate mistakes a shell could make, each breaking one rule of the protocol, to show the
 * checker catches them (and why the rule is there).
 */
export const ReplicationSimBug = {
  /** Followers report their page-cache log end as durable (acks before fsync). */
  ackBeforeDurable: 'ackBeforeDurable',
  /** Seal is answered at once with the page-cache log end and last epoch, without flushing. */
  sealReportsPageCache: 'sealReportsPageCache',
  /** The leader also counts followers that do not hold the epoch marker (Raft's figure 8). */
  countWithoutMarker: 'countWithoutMarker',
  /** A leader that restarts takes its epoch up again (and may write its offsets twice). */
  resumeEpochAfterRestart: 'resumeEpochAfterRestart',
} as const;
export type ReplicationSimBug = (typeof ReplicationSimBug)[keyof typeof ReplicationSimBug];

export interface ReplicaEnv {
  now(): number;
  schedule(atMs: number, run: () => void): void;
  send(m: SimMessage): void;
  readonly rng: Prng;
  readonly checker: ReplicationChecker;
  readonly replicas: readonly number[];
  readonly writeQuorum: number;
  /** Default flush policy: a follower answers only once its appends are durable. Else it answers at once and reports durability later. */
  readonly ackAfterFlush: boolean;
  readonly fsyncMinMs: number;
  readonly fsyncMaxMs: number;
  readonly limits: Partial<ReplicationLimits>;
  readonly heartbeatToControllerMs: number;
  readonly pollMs: number;
  readonly bug?: ReplicationSimBug;
  /** Told right after the replica answered a seal or acknowledged an append: a chance to aim a crash there. */
  readonly justAnswered?: (replica: SimReplica, what: 'seal' | 'append') => void;
}

interface AckWaiter {
  readonly client: number;
  readonly requestId: number;
  readonly baseOffset: number;
  readonly endOffset: number;
  readonly epoch: number;
}

const ACK_WAITERS_MAX = 1000;
const PLANS_PER_FOLLOWER_MAX = 16;

export class SimReplica {
  readonly log = new SimLog();
  up = true;
  incarnation = 0;
  /** On disk: the sealed epoch. */
  private sealedDurable = NO_EPOCH;
  follower: FollowerCore;
  leader: LeaderCore | null = null;
  private registerEpoch = NO_EPOCH;
  private becoming = false;
  private flushing = false;
  private flushAgain = false;
  private flushWaiters: Array<() => void> = [];
  private ackWaiters: AckWaiter[] = [];
  /** The follower high watermark already shown to the checker (this incarnation). */
  followerHighWatermarkSeen = 0;
  private lastHeartbeatMs = Number.NEGATIVE_INFINITY;
  private lastPollMs = Number.NEGATIVE_INFINITY;
  leaderships = 0;

  constructor(
    readonly id: number,
    private readonly env: ReplicaEnv,
  ) {
    this.follower = new FollowerCore(id, this.sealedDurable);
  }

  // ---------------------------------------------------------------- life cycle

  crash(losePageCache: boolean): void {
    if (!this.up) return;
    this.up = false;
    this.incarnation++; // pending flushes and timers of the old process die with it
    this.leader = null;
    this.becoming = false;
    this.log.crash(losePageCache);
    this.flushing = false;
    this.flushAgain = false;
    this.flushWaiters = [];
    this.ackWaiters = [];
    this.registerEpoch = NO_EPOCH;
  }

  restart(): void {
    if (this.up) return;
    this.up = true;
    this.follower = new FollowerCore(this.id, this.sealedDurable);
    this.followerHighWatermarkSeen = 0;
    this.lastHeartbeatMs = Number.NEGATIVE_INFINITY;
    this.lastPollMs = Number.NEGATIVE_INFINITY;
  }

  tick(): void {
    if (!this.up) return;
    const now = this.env.now();
    this.pumpLeader();
    if (now - this.lastHeartbeatMs >= this.env.heartbeatToControllerMs) {
      this.lastHeartbeatMs = now;
      const leadingEpoch = this.leader !== null && !this.leader.fenced ? this.leader.epoch : -1;
      this.env.send({
        kind: 'heartbeat',
        from: this.id,
        to: CONTROLLER_ID,
        incarnation: this.incarnation,
        leadingEpoch,
      });
    }
    if (now - this.lastPollMs >= this.env.pollMs) {
      this.lastPollMs = now;
      this.env.send({ kind: 'poll', from: this.id, to: CONTROLLER_ID });
    }
  }

  receive(m: SimMessage): void {
    if (!this.up) return;
    switch (m.kind) {
      case 'append':
        return this.onAppend(m.request);
      case 'appendResponse':
        return this.onAppendResponse(m.response);
      case 'seal':
        return this.onSeal(m.epoch);
      case 'partitionChange':
        return this.onPartitionChange(m.epoch, m.leader);
      case 'produce':
        return this.onProduce(m.from, m.requestId, m.values);
      default:
        return;
    }
  }

  /** The leader this replica is and still serves as, if any. */
  get activeLeader(): LeaderCore | null {
    return this.leader !== null && !this.leader.fenced ? this.leader : null;
  }

  // ---------------------------------------------------------------- follower side

  private onAppend(req: AppendRequest): void {
    if (this.leader !== null && req.epoch > this.leader.epoch) this.stepDown();
    const actions = this.follower.onAppendRequest(req, this.log);
    let needsSync = false;
    let appended = false;
    let sealed = NO_EPOCH;
    let response: AppendResponse | undefined;
    for (const a of actions) {
      switch (a.type) {
        case 'persistSealedEpoch':
          sealed = a.epoch;
          needsSync = true;
          break;
        case 'truncateTo':
          this.log.truncateTo(a.offset);
          break;
        case 'assignEpochStart':
          this.log.assignEpochStart(a.epoch, a.startOffset);
          break;
        case 'append':
          this.log.appendAsFollower(req.batches.slice(a.from, a.to) as SimBatch[]);
          appended = true;
          break;
        case 'respond':
          response = a.response;
          break;
      }
    }
    assert(response !== undefined, 'every request is answered');
    const resp = response;
    const to = req.leaderId;
    const send = (): void => {
      let out = this.follower.refreshResponse(resp, this.log);
      if (this.env.bug === ReplicationSimBug.ackBeforeDurable && out.error === 'none') {
        const marker =
          hasEpochStart(this.log.epochEntries(), req.epoch, req.epochStartOffset) &&
          out.logEndOffset >= req.epochStartOffset;
        out = { ...out, durableEndOffset: out.logEndOffset, holdsEpochMarker: marker };
      }
      this.env.send({ kind: 'appendResponse', from: this.id, to, response: out });
      if (out.error === 'none') this.env.justAnswered?.(this, 'append');
    };
    const persistSealed = (): void => {
      if (sealed > this.sealedDurable) this.sealedDurable = sealed;
    };
    const ackAfterFlush = this.env.ackAfterFlush && this.env.bug !== ReplicationSimBug.ackBeforeDurable;
    if (ackAfterFlush ? needsSync || appended || this.log.durableEndOffset < this.log.logEndOffset : needsSync) {
      this.requestFlush(() => {
        persistSealed();
        send();
      });
    } else {
      send();
      if (appended) this.requestFlush();
    }
  }

  private onSeal(epoch: number): void {
    const first = this.follower.onSeal({ epoch }, this.log);
    if (!first.response.accepted) {
      this.env.send({ kind: 'sealResponse', from: this.id, to: CONTROLLER_ID, response: first.response });
      return;
    }
    if (this.leader !== null && this.leader.epoch < epoch) this.stepDown();
    if (this.env.bug === ReplicationSimBug.sealReportsPageCache) {
      if (epoch > this.sealedDurable) this.sealedDurable = epoch;
      const response = { ...first.response, logEndOffset: this.log.logEndOffset, lastEpoch: this.log.lastEpoch };
      this.env.send({ kind: 'sealResponse', from: this.id, to: CONTROLLER_ID, response });
      this.env.justAnswered?.(this, 'seal');
      return;
    }
    // Persist the sealed epoch and flush the log, then answer with what is now durable.
    this.requestFlush(() => {
      if (epoch > this.sealedDurable) this.sealedDurable = epoch;
      const again = this.follower.onSeal({ epoch }, this.log);
      this.env.send({ kind: 'sealResponse', from: this.id, to: CONTROLLER_ID, response: again.response });
      this.env.justAnswered?.(this, 'seal');
    });
  }

  private onPartitionChange(epoch: number, leader: number): void {
    if (epoch <= this.registerEpoch) return;
    this.registerEpoch = epoch;
    if (this.leader !== null && this.leader.epoch < epoch) this.stepDown();
    if (leader === this.id) this.becomeLeader(epoch);
  }

  // ---------------------------------------------------------------- leader side

  /** Acts on a committed PartitionChange naming this replica: flush, record the marker, lead. */
  private becomeLeader(epoch: number): void {
    if (this.leader !== null || this.becoming) return;
    const resume = this.env.bug === ReplicationSimBug.resumeEpochAfterRestart;
    const eligible = (): boolean =>
      // Sealed above it: a newer failover is under way. Has the epoch already: led it before a restart.
      epoch >= this.follower.fencingEpoch &&
      (this.log.lastEpoch < epoch || (resume && this.log.lastEpoch === epoch)) &&
      this.registerEpoch === epoch &&
      this.leader === null;
    if (!eligible()) return;
    this.becoming = true;
    const attempt = (tries: number): void => {
      this.becoming = false;
      if (!eligible()) return;
      if (this.log.durableEndOffset < this.log.logEndOffset) {
        if (tries >= 8) return;
        this.becoming = true;
        this.requestFlush(() => attempt(tries + 1));
        return;
      }
      const resumed = this.log.lastEpoch === epoch ? entryFor(this.log.epochEntries(), epoch) : undefined;
      const start = resumed?.startOffset ?? this.log.logEndOffset;
      if (resumed === undefined) this.log.assignEpochStart(epoch, start);
      if (epoch > this.sealedDurable) this.sealedDurable = epoch;
      this.follower.onBecomeLeader(epoch, start);
      const initialHighWatermark = Math.min(this.follower.highWatermark, start);
      this.leader = new LeaderCore(
        {
          replicaId: this.id,
          replicas: this.env.replicas,
          writeQuorum: this.env.writeQuorum,
          epoch,
          epochStartOffset: start,
          initialHighWatermark,
          limits: this.env.limits,
        },
        this.log,
      );
      this.leaderships++;
      this.anyDurable.clear();
      this.buggyHighWatermark = initialHighWatermark;
      this.env.checker.onBecomeLeader(this.id, epoch, this.log, initialHighWatermark);
      this.pumpLeader();
    };
    this.becoming = true;
    this.requestFlush(() => attempt(0));
  }

  private stepDown(): void {
    if (this.leader === null) return;
    this.leader.fence();
    this.leader = null;
    for (const w of this.ackWaiters) this.answerProduce(w.client, w.requestId, 'NOT_LEADER_OR_FOLLOWER', -1, -1);
    this.ackWaiters = [];
  }

  private onProduce(client: number, requestId: number, values: readonly number[]): void {
    const l = this.activeLeader;
    if (l === null) return this.answerProduce(client, requestId, 'NOT_LEADER_OR_FOLLOWER', -1, -1);
    if (!l.canAcceptAcksAll(this.env.now()) || this.ackWaiters.length >= ACK_WAITERS_MAX) {
      return this.answerProduce(client, requestId, 'NOT_ENOUGH_REPLICAS', -1, -1);
    }
    const batch = this.log.appendAsLeader(l.epoch, values);
    this.env.checker.onLeaderAppend(this.id, l.epoch, batch.baseOffset, values);
    this.ackWaiters.push({
      client,
      requestId,
      baseOffset: batch.baseOffset,
      endOffset: batch.lastOffset + 1,
      epoch: l.epoch,
    });
    this.requestFlush();
    this.pumpLeader();
  }

  private onAppendResponse(resp: AppendResponse): void {
    const l = this.activeLeader;
    if (l === null) return;
    const out = l.onAppendResponse(resp, this.log, this.env.now());
    if (out.deposed) return this.stepDown();
    if (this.env.bug === ReplicationSimBug.countWithoutMarker && resp.error === 'none' && resp.epoch === l.epoch) {
      this.anyDurable.set(resp.replicaId, Math.max(this.anyDurable.get(resp.replicaId) ?? -1, resp.durableEndOffset));
      this.serveAcks();
    }
    if (out.highWatermarkAdvanced) this.serveAcks();
    this.pumpLeader();
  }

  /** Durable ends of every follower that answered success, marker or not (countWithoutMarker only). */
  private readonly anyDurable = new Map<number, number>();

  /** The high watermark acknowledgements and reads go by: the core's, unless a bug overrides it. */
  get effectiveHighWatermark(): number {
    const l = this.activeLeader;
    if (l === null) return -1;
    if (this.env.bug !== ReplicationSimBug.countWithoutMarker) return l.highWatermark;
    const ends = [this.log.durableEndOffset];
    for (const f of l.followerIds) ends.push(this.anyDurable.get(f) ?? -1);
    ends.sort((a, b) => b - a);
    const wrong = Math.min(ends[this.env.writeQuorum - 1] ?? -1, this.log.logEndOffset);
    this.buggyHighWatermark = Math.max(this.buggyHighWatermark, l.highWatermark, wrong);
    return this.buggyHighWatermark;
  }

  private buggyHighWatermark = 0;

  private serveAcks(): void {
    const l = this.activeLeader;
    if (l === null) return;
    const hw = this.effectiveHighWatermark;
    const still: AckWaiter[] = [];
    for (const w of this.ackWaiters) {
      if (w.endOffset <= hw) this.answerProduce(w.client, w.requestId, null, w.baseOffset, w.epoch);
      else still.push(w);
    }
    this.ackWaiters = still;
  }

  private answerProduce(
    client: number,
    requestId: number,
    error: 'NOT_LEADER_OR_FOLLOWER' | 'NOT_ENOUGH_REPLICAS' | null,
    baseOffset: number,
    epoch: number,
  ): void {
    this.env.send({ kind: 'produceResponse', from: this.id, to: client, requestId, error, baseOffset, epoch });
  }

  pumpLeader(): void {
    const l = this.activeLeader;
    if (l === null) return;
    const now = this.env.now();
    for (const f of l.followerIds) {
      for (let i = 0; i < PLANS_PER_FOLLOWER_MAX; i++) {
        const plan = l.nextRequest(f, this.log, now);
        if (plan === null) break;
        const batches = plan.maxBytes > 0 ? this.log.read(plan.fromOffset, plan.maxBytes) : [];
        const request = buildAppendRequest(plan, batches);
        l.onSent(f, request, now);
        this.env.send({ kind: 'append', from: this.id, to: f, request });
      }
    }
  }

  // ---------------------------------------------------------------- disk

  /** Group commit: one flush at a time; callbacks run once a flush that started after them completes. */
  private requestFlush(callback?: () => void): void {
    if (callback !== undefined) this.flushWaiters.push(callback);
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.startFlush();
  }

  private startFlush(): void {
    this.flushing = true;
    this.flushAgain = false;
    const target = this.log.logEndOffset;
    const generation = this.log.flushGeneration;
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    const inc = this.incarnation;
    const latency = this.env.fsyncMinMs + this.env.rng.nextInt(0, this.env.fsyncMaxMs - this.env.fsyncMinMs + 1);
    this.env.schedule(this.env.now() + latency, () => {
      if (inc !== this.incarnation) return;
      this.log.completeFlush(target, generation);
      this.flushing = false;
      for (const w of waiters) w();
      this.onDurable();
      if (!this.flushing && (this.flushAgain || this.flushWaiters.length > 0)) this.startFlush();
    });
  }

  private onDurable(): void {
    const l = this.activeLeader;
    if (l !== null) {
      if (l.onLocalDurable(this.log)) this.serveAcks();
      this.pumpLeader();
      return;
    }
    if (this.env.ackAfterFlush || this.follower.leaderId < 0 || this.follower.leaderId === this.id) return;
    const resp = this.follower.onLocalDurable(this.log);
    if (resp !== null)
      this.env.send({ kind: 'appendResponse', from: this.id, to: this.follower.leaderId, response: resp });
  }
}
