// The metadata quorum's membership, changed by the controller one server at a time (the Raft
// core's single-server changes, src/raft/conf-change.ts): a broker beyond the voters is added as
// a learner when it registers, so it follows the log without voting; AddRaftVoter promotes a
// caught-up learner; RemoveRaftVoter demotes a voter back to a learner while its broker is alive
// (it goes on following the log as a broker), or removes it when it is gone.
import { ErrorCode, KafkaError, type Logger } from '../common/index.js';
import { type ConfChange, ConfChangeType, type ConfState, type RaftDriverStatus } from '../raft/index.js';
import type { MetadataLog } from './log.js';

/** What the quorum changes need of the Raft metadata log (RaftMetadataLog). */
export interface MetadataQuorum {
  membership(): ConfState;
  changeMembership(change: ConfChange): Promise<void>;
  status(): RaftDriverStatus;
}

const CATCH_UP_POLL_MS = 50;

export class QuorumAdmin {
  constructor(
    private readonly metadata: MetadataLog,
    private readonly quorum: MetadataQuorum,
    private readonly log: Logger,
  ) {}

  private isMember(nodeId: number): boolean {
    const { voters, learners } = this.quorum.membership();
    return voters.includes(nodeId) || learners.includes(nodeId);
  }

  /** On the controller, for a broker that just registered: a node outside the quorum joins it as
   * a learner. Voters and learners already in it are left as they are. */
  async admitLearner(nodeId: number): Promise<void> {
    if (this.isMember(nodeId)) return;
    await this.quorum.changeMembership({ type: ConfChangeType.addLearner, nodeId });
    this.log.info({ broker: nodeId }, 'broker follows the metadata log as a learner');
  }

  /**
   * On the controller, for a decommissioned broker that is gone: a learner leaves the quorum.
   * False for a voter (RemoveRaftVoter's to change); true once the node is no member.
   */
  async removeLearner(nodeId: number): Promise<boolean> {
    const { voters, learners } = this.quorum.membership();
    if (voters.includes(nodeId)) return false;
    if (!learners.includes(nodeId)) return true;
    await this.quorum.changeMembership({ type: ConfChangeType.removeNode, nodeId });
    this.log.info({ broker: nodeId }, 'learner removed from the metadata quorum');
    return true;
  }

  /**
   * AddRaftVoter: promotes learner `nodeId` once its log has caught up with the commit index of
   * the moment of the request (so the new majority can commit at once), waiting up to `timeoutMs`.
   */
  async addVoter(nodeId: number, timeoutMs: number): Promise<void> {
    const { voters, learners } = this.quorum.membership();
    if (voters.includes(nodeId)) throw new KafkaError(ErrorCode.DUPLICATE_VOTER, `node ${nodeId} is already a voter`);
    const broker = this.metadata.state.broker(nodeId);
    if (!broker || broker.fenced || !learners.includes(nodeId)) {
      throw new KafkaError(
        ErrorCode.INVALID_REQUEST,
        `node ${nodeId} is not a live broker following the metadata log; start it with this cluster's --cluster-nodes`,
      );
    }
    const target = this.quorum.status().commit;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.quorum.status().peers.find((p) => p.nodeId === nodeId)?.match ?? 0;
      if (match >= target) break;
      if (Date.now() + CATCH_UP_POLL_MS > deadline) {
        throw new KafkaError(
          ErrorCode.REQUEST_TIMED_OUT,
          `node ${nodeId} has the metadata log up to ${match} of ${target}; not promoted`,
        );
      }
      await new Promise((r) => setTimeout(r, CATCH_UP_POLL_MS));
    }
    await this.quorum.changeMembership({ type: ConfChangeType.addVoter, nodeId });
    this.log.info({ voter: nodeId }, 'voter added to the metadata quorum');
  }

  /** RemoveRaftVoter: the voter leaves the quorum; a live broker stays on as a learner. */
  async removeVoter(nodeId: number): Promise<void> {
    const { voters } = this.quorum.membership();
    if (!voters.includes(nodeId)) throw new KafkaError(ErrorCode.VOTER_NOT_FOUND, `node ${nodeId} is not a voter`);
    if (voters.length === 1) throw new KafkaError(ErrorCode.INVALID_REQUEST, `node ${nodeId} is the last voter`);
    const broker = this.metadata.state.broker(nodeId);
    const alive = broker !== undefined && !broker.fenced;
    await this.quorum.changeMembership({ type: alive ? ConfChangeType.addLearner : ConfChangeType.removeNode, nodeId });
    this.log.info({ voter: nodeId, learner: alive }, 'voter removed from the metadata quorum');
  }
}
