// DescribeQuorum (key 55), versions 0-2. The metadata Raft quorum, as topic __cluster_metadata
// partition 0: leader, term (leaderEpoch), commit index (highWatermark) and each voter's matched
// log index. As Kafka's Raft client does, only the leader answers (its followers know nothing of
// each other's logs): another node answers NOT_LEADER_OR_FOLLOWER, and clients ask the controller,
// which Metadata names. Another topic or partition gets UNKNOWN_TOPIC_OR_PARTITION at the top
// level. The observers are the brokers beyond the voters, which follow the log as Raft learners.
// Brook has no log directory ids. Needs DESCRIBE on the cluster, as in Kafka (else
// CLUSTER_AUTHORIZATION_FAILED at the top level).
import { ErrorCode, ZERO_UUID } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { notAuthorized } from './authorization.js';
import { defineHandler } from '../handler.js';
import type {
  DescribeQuorumRequest,
  DescribeQuorumResponse,
  DescribeQuorumResponsePartition,
  QuorumReplicaState,
} from '../protocol/messages/describe-quorum.js';

export const METADATA_TOPIC = '__cluster_metadata';

function replicaState(replica: { readonly nodeId: number; readonly matchIndex: number }): QuorumReplicaState {
  return {
    replicaId: replica.nodeId,
    replicaDirectoryId: ZERO_UUID,
    logEndOffset: replica.matchIndex,
    lastFetchTimestamp: -1,
    lastCaughtUpTimestamp: -1,
  };
}

export function describeQuorumHandler(ctx: BrokerContext) {
  function partition(): DescribeQuorumResponsePartition {
    const quorum = ctx.quorum();
    const base = { partitionIndex: 0, leaderId: quorum.leaderId, leaderEpoch: quorum.term };
    if (!quorum.isLeader) {
      return {
        ...base,
        errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
        errorMessage: `node ${ctx.config.nodeId} does not lead the metadata quorum; ask node ${quorum.leaderId}`,
        highWatermark: -1,
        currentVoters: [],
        observers: [],
      };
    }
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      highWatermark: quorum.commitIndex,
      currentVoters: quorum.voters.map(replicaState),
      observers: quorum.observers.map(replicaState),
    };
  }

  return defineHandler<DescribeQuorumRequest, DescribeQuorumResponse>({
    apiKey: 55,
    name: 'DescribeQuorum',
    minVersion: 0,
    maxVersion: 2,
    handle(request, context) {
      if (!ctx.authorizer.access(context).allowsCluster(AclOperation.DESCRIBE)) {
        const denied = notAuthorized(AclOperation.DESCRIBE, ResourceType.CLUSTER);
        return { errorCode: denied.code, errorMessage: denied.message, topics: [], nodes: [] };
      }
      const asked = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topicName, ...p })));
      if (asked.length !== 1 || asked[0]!.topic !== METADATA_TOPIC || asked[0]!.partitionIndex !== 0) {
        return {
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: `the metadata quorum is ${METADATA_TOPIC} partition 0`,
          topics: [],
          nodes: [],
        };
      }
      const brokers = new Map(ctx.metadata.state.brokers.map((b) => [b.nodeId, b]));
      const answer = partition();
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        topics: [{ topicName: METADATA_TOPIC, partitions: [answer] }],
        nodes: answer.currentVoters.flatMap((v) => {
          const broker = brokers.get(v.replicaId);
          return broker
            ? [{ nodeId: v.replicaId, listeners: [{ name: 'PLAINTEXT', host: broker.host, port: broker.port }] }]
            : [];
        }),
      };
    },
  });
}
