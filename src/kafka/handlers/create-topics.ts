// CreateTopics (key 19), versions 0-7. Forwarded to the controller; answered once the topic is
// committed in the metadata log (or validated only). Results per topic, in request order. Creating
// needs CREATE on the cluster or on the topic (else TOPIC_AUTHORIZATION_FAILED); the configs in the
// answer need DESCRIBE_CONFIGS on the topic (else topicConfigErrorCode says so), as in Kafka.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  CreatableTopicResult,
  CreateTopicsRequest,
  CreateTopicsResponse,
} from '../protocol/messages/create-topics.js';
import { notAuthorized } from './authorization.js';
import { configMap, errorOf } from './common.js';

export function createTopicsHandler(ctx: BrokerContext) {
  return defineHandler<CreateTopicsRequest, CreateTopicsResponse>({
    apiKey: 19,
    name: 'CreateTopics',
    minVersion: 0,
    maxVersion: 7,
    async handle(request, context) {
      const access = ctx.authorizer.access(context);
      const clusterCreate = access.allowsCluster(AclOperation.CREATE);
      const seen = new Map<string, number>();
      for (const topic of request.topics) seen.set(topic.name, (seen.get(topic.name) ?? 0) + 1);
      const topics = await Promise.all(
        request.topics.map(async (topic): Promise<CreatableTopicResult> => {
          const result: CreatableTopicResult = {
            name: topic.name,
            topicId: '00000000-0000-0000-0000-000000000000',
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            topicConfigErrorCode: ErrorCode.NONE,
            numPartitions: -1,
            replicationFactor: -1,
            configs: [],
          };
          if ((seen.get(topic.name) ?? 0) > 1) {
            return {
              ...result,
              errorCode: ErrorCode.INVALID_REQUEST,
              errorMessage: `topic ${topic.name} appears twice in the request`,
            };
          }
          try {
            if (!clusterCreate && !access.allows(AclOperation.CREATE, ResourceType.TOPIC, topic.name)) {
              throw notAuthorized(AclOperation.CREATE, ResourceType.TOPIC, topic.name);
            }
            const created = await ctx.admin.createTopic(
              {
                name: topic.name,
                numPartitions: topic.numPartitions,
                replicationFactor: topic.replicationFactor,
                assignments: [...topic.assignments]
                  .sort((a, b) => a.partitionIndex - b.partitionIndex)
                  .map((a) => a.brokerIds),
                configs: configMap(topic.configs),
              },
              request.validateOnly,
            );
            if (created) {
              const factor = created.partitions[0]?.replicas.length ?? 0;
              if (!access.allows(AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, topic.name)) {
                return {
                  ...result,
                  topicId: created.topicId,
                  numPartitions: created.partitions.length,
                  replicationFactor: factor,
                  topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
                };
              }
              return {
                ...result,
                topicId: created.topicId,
                numPartitions: created.partitions.length,
                replicationFactor: factor,
                configs: Object.entries(created.configs).map(([name, value]) => ({
                  name,
                  value,
                  readOnly: false,
                  configSource: 1,
                  isSensitive: false,
                })),
              };
            }
            return result;
          } catch (err) {
            return { ...result, ...errorOf(err, ctx.log) };
          }
        }),
      );
      return { throttleTimeMs: 0, topics };
    },
  });
}
