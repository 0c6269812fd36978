// The simulated controller for one partition. Raft is modelled as what it provides here: a
// linearizable register holding the PartitionChange (epoch, leader), updated by compare-and-set.
// The controller watches broker heartbeats; when the leader has not been seen actively leading
// the registered epoch for a session timeout (dead, restarted, deposed, or merely cut off from the
// controller: false positives are part of the test), it seals the replicas at epoch + 1, waits for
// R answers (retrying after a timeout), chooses the leader with chooseLeader and commits the
// change. Replicas and clients learn it by push and by polling, with network delays.
import type { Prng } from '../../../src/raft/prng.js';
import type { SealResponse } from '../../../src/replication/protocol/index.js';
import { chooseLeader } from '../../../src/replication/protocol/index.js';
import type { SimMessage } from './messages.js';
import { CONTROLLER_ID } from './messages.js';

export interface PartitionRegister {
  readonly epoch: number;
  readonly leader: number;
}

export interface ControllerEnv {
  now(): number;
  send(m: SimMessage): void;
  readonly rng: Prng;
  readonly replicas: readonly number[];
  readonly readQuorum: number;
  readonly sessionTimeoutMs: number;
  readonly sealTimeoutMs: number;
  /** Who learns of a committed change by push (replicas and clients). */
  readonly subscribers: () => readonly number[];
  /** Called after every committed change (the checker and stats watch it). */
  readonly onCommit: (reg: PartitionRegister) => void;
}

interface Failover {
  readonly epoch: number;
  readonly answers: Map<number, SealResponse>;
  readonly deadlineMs: number;
}

export class SimController {
  up = true;
  /** The register lives in Raft: it survives controller restarts. */
  register: PartitionRegister = { epoch: 0, leader: -1 };
  private failover: Failover | null = null;
  /** Answers gathered for an epoch whose failover timed out: still valid (a sealed replica cannot move). */
  private carried: { epoch: number; answers: Map<number, SealResponse> } | null = null;
  private lastHealthyMs: number;
  private retryAfterMs = 0;
  failovers = 0;
  failedAttempts = 0;
  voluntary = 0;

  constructor(private readonly env: ControllerEnv) {
    this.lastHealthyMs = env.now();
  }

  crash(): void {
    this.up = false;
    this.failover = null;
    this.carried = null;
  }

  restart(): void {
    this.up = true;
    this.lastHealthyMs = this.env.now(); // a new controller gives the leader a full session
  }

  tick(): void {
    if (!this.up) return;
    const now = this.env.now();
    if (this.failover !== null) {
      if (now < this.failover.deadlineMs) return;
      this.carried = { epoch: this.failover.epoch, answers: this.failover.answers };
      this.failover = null;
      this.failedAttempts++;
      this.retryAfterMs = now + this.env.sealTimeoutMs;
      return;
    }
    if (now < this.retryAfterMs) return;
    if (this.register.leader < 0 || now - this.lastHealthyMs > this.env.sessionTimeoutMs) this.startFailover();
  }

  /** A leader change that no fault asked for (rebalancing, transfer). */
  transfer(): void {
    if (!this.up || this.failover !== null || this.register.leader < 0) return;
    this.voluntary++;
    this.startFailover();
  }

  receive(m: SimMessage): void {
    if (!this.up) return;
    switch (m.kind) {
      case 'heartbeat':
        if (m.from === this.register.leader && m.leadingEpoch === this.register.epoch)
          this.lastHealthyMs = Math.max(this.lastHealthyMs, this.env.now());
        return;
      case 'poll':
        this.env.send({
          kind: 'partitionChange',
          from: CONTROLLER_ID,
          to: m.from,
          epoch: this.register.epoch,
          leader: this.register.leader,
        });
        return;
      case 'sealResponse':
        return this.onSealResponse(m.response);
      default:
        return;
    }
  }

  private startFailover(): void {
    const epoch = this.register.epoch + 1;
    const answers =
      this.carried !== null && this.carried.epoch === epoch ? this.carried.answers : new Map<number, SealResponse>();
    this.carried = null;
    this.failover = { epoch, answers, deadlineMs: this.env.now() + this.env.sealTimeoutMs };
    for (const r of this.env.replicas) this.env.send({ kind: 'seal', from: CONTROLLER_ID, to: r, epoch });
    this.tryChoose();
  }

  private onSealResponse(resp: SealResponse): void {
    const f = this.failover;
    if (f === null || !resp.accepted || resp.sealedEpoch !== f.epoch) return;
    f.answers.set(resp.replicaId, resp);
    this.tryChoose();
  }

  private tryChoose(): void {
    const f = this.failover;
    if (f === null) return;
    const preferred = this.env.replicas[0] ?? -1;
    const leader = chooseLeader([...f.answers.values()], this.env.readQuorum, preferred, f.epoch);
    if (leader === null) return;
    this.failover = null;
    this.commit(f.epoch - 1, { epoch: f.epoch, leader });
  }

  /** Compare-and-set on the register: only the controller that read epoch `expected` may write. */
  private commit(expected: number, next: PartitionRegister): void {
    if (this.register.epoch !== expected) return;
    this.register = next;
    this.failovers++;
    this.lastHealthyMs = this.env.now();
    this.env.onCommit(next);
    for (const to of this.env.subscribers())
      this.env.send({ kind: 'partitionChange', from: CONTROLLER_ID, to, epoch: next.epoch, leader: next.leader });
  }
}
