// The simulated controller: the real PartitionElections (src/replication/partition-elections.ts: seal
// the unfenced replicas at epoch + 1, choose among R accepted answers with chooseLeader, commit the
// PartitionChange, retry after a backoff) over the simulation's metadata register standing in for
// Raft, and a failure detector like ControlService's: a broker silent for a session is fenced, a
// fenced one that heartbeats again is unfenced, a restarted one (a new incarnation) registers again.
// Heartbeats cross the simulated network, so partitions fence live brokers too (false suspicions
// are part of the test). The controller crashes and restarts: its elections in flight die with it,
// the register (Raft) survives, and a new controller gives every broker a full session.
import { ErrorCode } from '../../../src/common/errors.js';
import type { Logger } from '../../../src/common/log.js';
import type { MetadataLog } from '../../../src/metadata/log.js';
import { ElectionRequests } from '../../../src/replication/election-requests.js';
import { PartitionElections, type SealClient } from '../../../src/replication/partition-elections.js';
import type { MetadataRecord } from '../../../src/metadata/records.js';
import type { Prng } from '../../../src/raft/prng.js';
import type { SealResponse } from '../../../src/replication/protocol/index.js';
import type { SimLoop } from './sim-loop.js';
import type { MetadataRegister } from './metadata.js';
import { CONTROLLER_ID } from './network.js';
import { ProcessClock } from './process-clock.js';

/** As ControlService checks its brokers. */
const LIVENESS_CHECK_MS = 100;

export interface SealCall {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly epoch: number;
}

export interface ControllerEnv {
  readonly loop: SimLoop;
  readonly rng: Prng;
  readonly register: MetadataRegister;
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
  /** Carries a seal to node `nodeId` and its answer back (null: lost); `reply` runs at the controller. */
  sendSeal(nodeId: number, request: SealCall, reply: (response: SealResponse | Error) => void): void;
  /** Records from index `from` were committed: push them to the nodes. */
  published(from: number): void;
}

export class SimController {
  private clock: ProcessClock;
  private elections: PartitionElections | null = null;
  private requests = new ElectionRequests();
  private readonly heardAtMs = new Map<number, number>();
  private readonly fencing = new Set<number>();
  private electedAtMs = 0;
  failovers = 0;
  transfers = 0;
  /** Preferred elections asked for, and those that handed the leadership to the preferred replica. */
  preferredAsked = 0;
  preferredMoves = 0;
  /** Preferred elections whose preferred replica lacked acknowledged writes: another replica leads. */
  preferredHeldBack = 0;
  electionRequests = 0;
  /** Reassignments asked for, cancelled, and completed (a PartitionChange with the target replicas). */
  reassignmentsStarted = 0;
  reassignmentsCancelled = 0;
  reassignmentsCompleted = 0;

  constructor(private readonly env: ControllerEnv) {
    this.clock = new ProcessClock(env.loop);
    this.clock.kill();
  }

  get up(): boolean {
    return this.clock.isAlive;
  }

  start(): void {
    if (this.up) return;
    const clock = new ProcessClock(this.env.loop);
    this.clock = clock;
    this.electedAtMs = clock.now();
    this.heardAtMs.clear();
    this.fencing.clear();
    const register = this.env.register;
    const propose = (records: readonly MetadataRecord[]): Promise<void> => this.propose(clock, records);
    const metadata: MetadataLog = {
      state: register.state,
      get isController() {
        return clock.isAlive;
      },
      controllerId: CONTROLLER_ID,
      propose,
      barrier: () => Promise.resolve(),
      onChange: () => undefined,
      onControllerChange: () => undefined,
      close: () => Promise.resolve(),
    };
    const sealClient: SealClient = {
      seal: (nodeId, request, timeoutMs) => this.seal(clock, nodeId, request, timeoutMs),
    };
    this.requests = new ElectionRequests();
    this.elections = new PartitionElections(metadata, sealClient, this.requests, clock, this.env.logger);
    clock.every(LIVENESS_CHECK_MS, () => this.checkLiveness(clock));
  }

  crash(): void {
    if (!this.up) return;
    this.clock.kill();
    this.elections?.close();
    this.elections = null;
  }

  /** Raft commits the records a little later, if the controller that proposed them still runs. */
  private propose(clock: ProcessClock, records: readonly MetadataRecord[]): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!clock.isAlive) return reject(new Error('not the controller'));
      clock.schedule(1 + this.env.rng.nextInt(0, 4), () => {
        const from = this.env.register.records.length;
        for (const r of records) if (r.type === 'PartitionChange') this.failovers++;
        for (const r of records) if (r.type === 'PartitionChange' && r.replicas) this.reassignmentsCompleted++;
        this.env.register.commit(records);
        for (const r of records) if (r.type === 'FenceBroker') this.fencing.delete(r.nodeId);
        this.env.published(from);
        resolve();
      });
    });
  }

  private seal(clock: ProcessClock, nodeId: number, request: SealCall, timeoutMs: number): Promise<SealResponse> {
    return new Promise((resolve, reject) => {
      let done = false;
      clock.schedule(timeoutMs, () => {
        if (done) return;
        done = true;
        reject(new Error(`seal of node ${nodeId} timed out`));
      });
      this.env.sendSeal(nodeId, request, (answer) => {
        if (done || !clock.isAlive) return;
        done = true;
        if (answer instanceof Error) reject(answer);
        else resolve(answer);
      });
    });
  }

  /** A broker's heartbeat (with its process incarnation); resolves once the controller answered it. */
  async heartbeat(nodeId: number, incarnation: number): Promise<boolean> {
    const clock = this.clock;
    if (!clock.isAlive) return false;
    this.heardAtMs.set(nodeId, clock.now());
    const broker = this.env.register.state.broker(nodeId);
    if (broker === undefined || broker.incarnation !== String(incarnation)) {
      await this.propose(clock, [
        {
          type: 'RegisterBroker',
          nodeId,
          host: `node${nodeId}`,
          port: 9092,
          rack: null,
          incarnation: String(incarnation),
        },
      ]);
    } else if (broker.fenced) {
      await this.propose(clock, [{ type: 'UnfenceBroker', nodeId }]);
    }
    return clock.isAlive;
  }

  /** RequestElection from a named leader that cannot take its epoch, or that has its learners caught up. */
  requestElection(topicId: string, partition: number, leaderEpoch: number, learnersCaughtUp = false): string {
    if (this.elections === null) return 'not_controller';
    if (learnersCaughtUp) {
      this.requests.addCaughtUp(topicId, partition, leaderEpoch);
      return '';
    }
    this.electionRequests++;
    this.requests.add(topicId, partition, leaderEpoch);
    return '';
  }

  /**
   * An operator's AlterPartitionReassignments on the partition: a target from `choose` (given the
   * current replicas and every broker) when none is under way, else now and then a cancel.
   */
  reassign(choose: (replicas: readonly number[], brokers: readonly number[]) => number[], cancelShare: number): void {
    const clock = this.clock;
    const topic = this.env.register.state.topics[0];
    const p = topic?.partitions[0];
    if (!clock.isAlive || topic === undefined || p === undefined) return;
    if (p.targetReplicas !== undefined) {
      if (this.env.rng.next() >= cancelShare) return;
      this.reassignmentsCancelled++;
      this.propose(clock, [
        { type: 'ReassignPartition', topicId: topic.topicId, partition: 0, targetReplicas: null },
      ]).catch(() => undefined);
      return;
    }
    const brokers = this.env.register.state.brokers.map((b) => b.nodeId);
    const targetReplicas = choose(p.replicas, brokers);
    this.reassignmentsStarted++;
    this.propose(clock, [{ type: 'ReassignPartition', topicId: topic.topicId, partition: 0, targetReplicas }]).catch(
      () => undefined,
    );
  }

  /** ElectLeaders(preferred) on the partition, as an operator or the leader balancer asks it. */
  preferredElection(): void {
    const elections = this.elections;
    const topic = this.env.register.state.topics[0];
    if (elections === null || topic?.partitions[0] === undefined) return;
    this.preferredAsked++;
    elections
      .electLeader(topic.topicId, 0, 'preferred')
      .then((outcome) => {
        if (outcome.errorCode === ErrorCode.NONE) this.preferredMoves++;
        // The election ran, but the rule kept the leadership where the acknowledged writes are.
        if (outcome.errorCode === ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE && /leads$/.test(outcome.message ?? ''))
          this.preferredHeldBack++;
      })
      .catch(() => undefined);
  }

  /** A leader change no fault asked for: the controlled shutdown's drain of the current leader. */
  transfer(): void {
    const elections = this.elections;
    const topic = this.env.register.state.topics[0];
    const leader = topic?.partitions[0]?.leader;
    if (elections === null || leader === undefined) return;
    this.transfers++;
    elections.drain(leader, 300).catch(() => undefined);
  }

  private checkLiveness(clock: ProcessClock): void {
    const now = clock.now();
    for (const broker of this.env.register.state.brokers) {
      if (broker.fenced || this.fencing.has(broker.nodeId)) continue;
      const last = Math.max(this.heardAtMs.get(broker.nodeId) ?? 0, this.electedAtMs);
      if (now - last <= this.env.sessionTimeoutMs) continue;
      this.fencing.add(broker.nodeId);
      this.propose(clock, [{ type: 'FenceBroker', nodeId: broker.nodeId }]).catch(() => undefined);
    }
  }
}
