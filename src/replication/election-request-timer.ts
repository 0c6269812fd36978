// The election-request timer of one replica. A replica the metadata names leader of an epoch it
// cannot take (it led that epoch before a restart, or it is sealed above it by a failover that did
// not finish) asks the controller for a new election (RequestElection → PartitionElections): no
// election is otherwise wanted for a live leader. It asks at once after a restart, and after a
// grace when a failover may still be under way; the ReplicaManager's tick asks, at a bounded rate.
import type { Clock, Logger } from '../common/index.js';

interface Wanted {
  readonly epoch: number;
  readonly reason: string;
  readonly askAfterMs: number;
}

export class ElectionRequestTimer {
  private wanted: Wanted | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Why this replica cannot take the epoch it is named leader of; null when nothing is wanted. */
  get reason(): string | null {
    return this.wanted?.reason ?? null;
  }

  /** Named leader of `epoch` but unable to take it: ask from `graceMs` on (once per epoch). */
  cannotLead(epoch: number, reason: string, graceMs: number): void {
    if (this.wanted?.epoch === epoch) return;
    this.wanted = { epoch, reason, askAfterMs: this.clock.now() + graceMs };
    this.logger.info({ epoch, reason }, 'named leader but cannot take the epoch; a new election is needed');
  }

  /** The replica leads, or another replica is named leader: nothing to ask for. */
  clear(): void {
    this.wanted = null;
  }

  /** The epoch to ask the controller to replace at `nowMs`, while the metadata still names this replica its leader. */
  due(nowMs: number, named: { readonly leader: number; readonly leaderEpoch: number }, nodeId: number): number | null {
    const w = this.wanted;
    if (w === null || nowMs < w.askAfterMs) return null;
    return named.leader === nodeId && named.leaderEpoch === w.epoch ? w.epoch : null;
  }
}
