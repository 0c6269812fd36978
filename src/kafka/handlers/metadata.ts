// Metadata (key 3), versions 0-9 (10+ carry topic ids and are not advertised, see
// research/kafka-protocol.md §2.4). Answers from the replicated metadata: live brokers, the
// controller, and per partition the leader, its epoch and the replicas. Unknown topics are
// created when auto-creation is on (node setting, and the request's flag from v4). Brokers are
// given by their endpoint on the listener the request came in on; a broker without that listener
// is left out, and a partition it leads has no reachable leader (LISTENER_NOT_FOUND from v6, as
// Kafka answers, LEADER_NOT_AVAILABLE before). A leadership this node has fenced because it is cut
// off is still named, as Kafka's brokers answer from their last metadata: clients that produce
// there get NOT_LEADER_OR_FOLLOWER and refresh from any broker, whereas a partition error here
// would make kafkajs retry its Metadata on this same node until the cut heals (it did, for 14 s).
// Authorization as Kafka's handleTopicMetadataRequest: a topic the principal may not DESCRIBE is
// never shown (left out of an all-topics answer; TOPIC_AUTHORIZATION_FAILED when named, whether
// or not it exists), and auto-creation needs CREATE on the cluster or the topic. Authorized operations (v8+) are filled when the request asks.
// A decommissioned broker is listed only while it still hosts replicas (or is the controller).
import { ErrorCode, KafkaError } from '../../common/index.js';
import {
  AclOperation,
  CLUSTER_RESOURCE_NAME,
  hostingReplicas,
  ResourceType,
  type TopicInfo,
} from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { MetadataRequest, MetadataResponse, MetadataResponseTopic } from '../protocol/messages/metadata.js';
import { endpointFor } from './broker-endpoints.js';
import { AUTHORIZED_OPERATIONS_OMITTED, errorOf } from './common.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function metadataHandler(ctx: BrokerContext) {
  function describeTopic(topic: TopicInfo, listenerName: string, version: number): MetadataResponseTopic {
    const brokers = new Map(ctx.metadata.state.brokers.map((b) => [b.nodeId, b]));
    const listenerError = version >= 6 ? ErrorCode.LISTENER_NOT_FOUND : ErrorCode.LEADER_NOT_AVAILABLE;
    return {
      errorCode: ErrorCode.NONE,
      name: topic.name,
      topicId: topic.topicId,
      isInternal: topic.name.startsWith('__'),
      partitions: topic.partitions.map((p) => {
        const live = p.replicas.filter((r) => brokers.get(r)?.fenced === false);
        const leader = brokers.get(p.leader);
        const leaderLive = live.includes(p.leader);
        const reachable = leader !== undefined && endpointFor(leader, listenerName) !== undefined;
        return {
          errorCode: !leaderLive ? ErrorCode.LEADER_NOT_AVAILABLE : reachable ? ErrorCode.NONE : listenerError,
          partitionIndex: p.partition,
          leaderId: leaderLive && reachable ? p.leader : -1,
          leaderEpoch: p.leaderEpoch,
          replicaNodes: [...p.replicas],
          isrNodes: ctx.replicas.inSyncReplicas(topic.name, p.partition) ?? live,
          offlineReplicas: p.replicas.filter((r) => !live.includes(r)),
        };
      }),
      topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    };
  }

  function hostsReplicas(nodeId: number): boolean {
    return ctx.metadata.state.topics.some((t) => t.partitions.some((p) => hostingReplicas(p).includes(nodeId)));
  }

  function unknownTopic(name: string, errorCode: number): MetadataResponseTopic {
    return {
      errorCode,
      name,
      topicId: ZERO_UUID,
      isInternal: false,
      partitions: [],
      topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    };
  }

  async function autoCreate(name: string, listenerName: string, version: number): Promise<MetadataResponseTopic> {
    try {
      await ctx.admin.createTopic({ name, numPartitions: -1, replicationFactor: -1, configs: {} }, false);
    } catch (err) {
      if (!(err instanceof KafkaError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS)) {
        return unknownTopic(name, errorOf(err, ctx.log).errorCode);
      }
    }
    const topic = ctx.metadata.state.topic(name);
    if (!topic) return unknownTopic(name, ErrorCode.LEADER_NOT_AVAILABLE);
    await ctx.replicas.settled();
    return describeTopic(topic, listenerName, version);
  }

  return defineHandler<MetadataRequest, MetadataResponse>({
    apiKey: 3,
    name: 'Metadata',
    minVersion: 0,
    maxVersion: 9,
    async handle(request, context) {
      const version = context.apiVersion;
      const listener = context.listenerName;
      const access = ctx.authorizer.access(context);
      const describable = (name: string) => access.allows(AclOperation.DESCRIBE, ResourceType.TOPIC, name);
      const creatable = (name: string) =>
        access.allowsCluster(AclOperation.CREATE) || access.allows(AclOperation.CREATE, ResourceType.TOPIC, name);
      const all = request.topics === null || (version === 0 && request.topics.length === 0);
      const allowAutoCreate = ctx.config.autoCreateTopics && (version < 4 || request.allowAutoTopicCreation);
      let topics: MetadataResponseTopic[];
      if (all) {
        topics = ctx.metadata.state.topics
          .filter((t) => describable(t.name))
          .map((topic) => describeTopic(topic, listener, version));
      } else {
        topics = await Promise.all(
          (request.topics ?? []).map(async ({ name }) => {
            if (name === null) return unknownTopic('', ErrorCode.INVALID_REQUEST);
            // Whether it exists is not told to whoever may not describe it.
            if (!describable(name)) return unknownTopic(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            const topic = ctx.metadata.state.topic(name);
            if (topic) return describeTopic(topic, listener, version);
            if (allowAutoCreate && !name.startsWith('__')) {
              return creatable(name)
                ? autoCreate(name, listener, version)
                : unknownTopic(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            }
            return unknownTopic(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          }),
        );
      }
      if (version >= 8 && request.includeTopicAuthorizedOperations) {
        for (const topic of topics) {
          if (topic.errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED || topic.name === null) continue;
          topic.topicAuthorizedOperations = access.operations(ResourceType.TOPIC, topic.name);
        }
      }
      let clusterAuthorizedOperations = AUTHORIZED_OPERATIONS_OMITTED;
      if (version >= 8 && version <= 10 && request.includeClusterAuthorizedOperations) {
        clusterAuthorizedOperations = access.allowsCluster(AclOperation.DESCRIBE)
          ? access.operations(ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)
          : 0;
      }
      return {
        throttleTimeMs: 0,
        brokers: ctx.metadata.state.brokers.flatMap((b) => {
          // A decommissioned broker that holds nothing is no longer part of the cluster clients see.
          if (b.decommissioned === true && b.nodeId !== ctx.metadata.controllerId && !hostsReplicas(b.nodeId))
            return [];
          const endpoint = b.fenced ? undefined : endpointFor(b, listener);
          return endpoint ? [{ nodeId: b.nodeId, host: endpoint.host, port: endpoint.port, rack: b.rack }] : [];
        }),
        clusterId: ctx.config.clusterId,
        controllerId: ctx.metadata.controllerId,
        topics,
        clusterAuthorizedOperations,
      };
    },
  });
}
