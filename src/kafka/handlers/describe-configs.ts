// DescribeConfigs (key 32), versions 0-4. What each setting says comes from the settings
// registry: topics get every topic config with its effective value and source (explicit →
// DYNAMIC_TOPIC_CONFIG, a flag or BROOK_* variable → STATIC_BROKER_CONFIG, else DEFAULT_CONFIG)
// and quorums resolved for the topic's replication factor — librdkafka's read-modify-write needs
// the full list; brokers get every broker setting, read-only (none changes at run time yet).
// Synonyms (v1+, when asked) follow Kafka's precedence: a topic config's broker setting is its
// synonym (segment.bytes → log.segment.bytes). A topic needs DESCRIBE_CONFIGS on it
// (TOPIC_AUTHORIZATION_FAILED), the broker DESCRIBE_CONFIGS on the cluster (CLUSTER_AUTHORIZATION_FAILED).
import {
  type ConfigSourceName,
  type DescribedConfig,
  describeBrokerConfigs,
  describeTopicConfigs,
  ErrorCode,
  type KafkaError,
} from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import {
  ConfigSource,
  ConfigType,
  type DescribeConfigsRequest,
  type DescribeConfigsResourceResult,
  type DescribeConfigsResponse,
  type DescribeConfigsResult,
} from '../protocol/messages/describe-configs.js';
import { notAuthorized } from './authorization.js';
import { RESOURCE_TYPE_BROKER, RESOURCE_TYPE_TOPIC } from './common.js';

const SOURCE: Record<ConfigSourceName, number> = {
  topic: ConfigSource.dynamicTopic,
  'static-broker': ConfigSource.staticBroker,
  default: ConfigSource.default,
};

function toResult(entry: DescribedConfig, request: DescribeConfigsRequest): DescribeConfigsResourceResult {
  return {
    name: entry.name,
    value: entry.value,
    readOnly: entry.readOnly,
    isDefault: entry.source === 'default',
    configSource: SOURCE[entry.source],
    isSensitive: entry.sensitive,
    synonyms: request.includeSynonyms
      ? entry.synonyms.map((s) => ({ name: s.name, value: s.value, source: SOURCE[s.source] }))
      : [],
    configType: ConfigType[entry.kafkaType],
    documentation: request.includeDocumentation ? entry.doc : null,
  };
}

export function describeConfigsHandler(ctx: BrokerContext) {
  return defineHandler<DescribeConfigsRequest, DescribeConfigsResponse>({
    apiKey: 32,
    name: 'DescribeConfigs',
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      const access = ctx.authorizer.access(context);
      const results = request.resources.map((resource): DescribeConfigsResult => {
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName, configs: [] };
        const refused = (err: KafkaError) => ({ ...base, errorCode: err.code, errorMessage: err.message });
        let entries: DescribedConfig[];
        if (resource.resourceType === RESOURCE_TYPE_TOPIC) {
          if (!access.allows(AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, resource.resourceName)) {
            return refused(notAuthorized(AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, resource.resourceName));
          }
          const topic = ctx.metadata.state.topic(resource.resourceName);
          if (!topic)
            return {
              ...base,
              errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              errorMessage: `unknown topic '${resource.resourceName}'`,
            };
          entries = describeTopicConfigs(topic.settings, ctx.config, topic.partitions[0]?.replicas.length ?? 1);
        } else if (resource.resourceType === RESOURCE_TYPE_BROKER) {
          if (!access.allowsCluster(AclOperation.DESCRIBE_CONFIGS)) {
            return refused(notAuthorized(AclOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER));
          }
          if (resource.resourceName !== '' && resource.resourceName !== String(ctx.config.nodeId)) {
            return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `this is node ${ctx.config.nodeId}` };
          }
          entries = describeBrokerConfigs(ctx.config);
        } else {
          return {
            ...base,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: `unsupported resource type ${resource.resourceType}`,
          };
        }
        const wanted = resource.configurationKeys;
        const configs = entries
          .filter((entry) => wanted === null || wanted.includes(entry.name))
          .map((entry) => toResult(entry, request));
        return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
      });
      return { throttleTimeMs: 0, results };
    },
  });
}
