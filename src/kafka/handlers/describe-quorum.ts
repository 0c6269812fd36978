// DescribeQuorum (key 55), versions 0-2. The metadata Raft quorum, as topic __cluster_metadata
// partition 0: leader, term (leaderEpoch), commit index (highWatermark) and each voter's matched
// log index. As Kafka's Raft client does, only the leader answers (its followers know nothing of
// each other's logs): another node answers NOT_LEADER_OR_FOLLOWER, and clients ask the controller,
// which Metadata names. Another topic or partition gets UNKNOWN_TOPIC_OR_PARTITION at the top
// level. Brook has no observers (every node is a voter) and no log directory ids. Needs DESCRIBE
// on the cluster, else CLUSTER_AUTHORIZATION_FAILED (Kafka's rule).
import { ErrorCode, ZERO_UUID } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  DescribeQuorumRequest,
  DescribeQuorumResponse,
  DescribeQuorumResponsePartition,
} from '../protocol/messages/describe-quorum.js';
import { notAuthorized } from './authorization.js';

export const METADATA_TOPIC = '__cluster_metadata';

export function describeQuorumHandler(ctx: BrokerContext) {
  function partition(): DescribeQuorumResponsePartition {
    const quorum = ctx.quorum();
    const base = { partitionIndex: 0, leaderId: quorum.leaderId, leaderEpoch: quorum.term, observers: [] };
    if (!quorum.isLeader) {
      return {
        ...base,
        errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
        errorMessage: `node ${ctx.config.nodeId} does not lead the metadata quorum; ask node ${quorum.leaderId}`,
        highWatermark: -1,
        currentVoters: [],
      };
    }
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      highWatermark: quorum.commitIndex,
      currentVoters: quorum.voters.map((v) => ({
        replicaId: v.nodeId,
        replicaDirectoryId: ZERO_UUID,
        logEndOffset: v.matchIndex,
        lastFetchTimestamp: -1,
        lastCaughtUpTimestamp: -1,
      })),
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
