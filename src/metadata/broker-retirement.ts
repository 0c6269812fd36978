// A decommissioned broker leaves the cluster for good once it is shut down: `brook node
// decommission N` marks it (no new replicas go there) and drains its replicas; when it is then
// fenced (stopped) and holds no replica, not even as a reassignment's target, the controller
// takes it out of the metadata quorum (it was a learner) and writes UnregisterBroker, Kafka's
// record for a broker that is gone. The Raft leader stops sending it the log, Metadata stops
// listing it, and its address leaves the peer directory. The same node id may register again
// later: it joins as a new broker, learner and all, with no decommission mark.
//
// Order: the quorum change first, the record second, so a broker still in the quorum always has a
// registration (its address). A controller that dies between them leaves a fenced, decommissioned
// broker outside the quorum, and its successor writes the record on its first check.
import type { Logger } from '../common/index.js';
import type { MetadataLog } from './log.js';
import type { QuorumAdmin } from './quorum-admin.js';

/** The brokers that may be unregistered now: decommissioned, fenced, holding no replica. */
export function retirableBrokers(metadata: Pick<MetadataLog, 'state'>): number[] {
  const state = metadata.state;
  // Every partition change reaches here: scan the partitions only when some broker could go.
  const candidates = state.brokers.filter((b) => b.decommissioned === true && b.fenced);
  if (candidates.length === 0) return [];
  const holding = new Set<number>();
  for (const topic of state.topics) {
    for (const p of topic.partitions) {
      for (const r of p.replicas) holding.add(r);
      for (const r of p.targetReplicas ?? []) holding.add(r);
    }
  }
  return candidates.filter((b) => !holding.has(b.nodeId)).map((b) => b.nodeId);
}

/** Changes after which a broker may hold its last replica no more, or be fenced. */
const RELEASING_CHANGES: ReadonlySet<string> = new Set(['brokers-changed', 'partitions-changed', 'topic-deleted']);

export class BrokerRetirement {
  private running = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly metadata: MetadataLog,
    private readonly quorum: QuorumAdmin,
    private readonly log: Logger,
  ) {
    metadata.onChange((change) => {
      if (RELEASING_CHANGES.has(change.kind)) this.check();
    });
    metadata.onControllerChange((isController) => {
      if (isController) this.check();
    });
  }

  /** Retires what may be retired now; one pass at a time, a change during a pass runs another. */
  check(): void {
    if (this.closed || !this.metadata.isController) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.retireAll()
      .catch((err: unknown) =>
        this.log.warn({ err }, 'unregistering a decommissioned broker failed; tried again on the next change'),
      )
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.check();
        }
      });
  }

  private async retireAll(): Promise<void> {
    for (const nodeId of retirableBrokers(this.metadata)) {
      if (this.closed || !this.metadata.isController) return;
      // A voter is the operator's to remove (RemoveRaftVoter) before it can go.
      if (!(await this.quorum.removeLearner(nodeId))) continue;
      await this.metadata.propose([{ type: 'UnregisterBroker', nodeId }]);
      this.log.info(
        { broker: nodeId },
        'decommissioned broker unregistered: it left the metadata quorum and the cluster',
      );
    }
  }

  close(): void {
    this.closed = true;
  }
}
