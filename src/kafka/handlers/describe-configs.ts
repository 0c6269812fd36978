// DescribeConfigs (key 32), versions 0-4. Topics: every known config with its effective value and
// source (explicit → DYNAMIC_TOPIC_CONFIG, else DEFAULT_CONFIG), quorums resolved for the topic's
// replication factor — librdkafka's read-modify-write needs the full list. Brokers: the node's
// settings that clients commonly read.
import { ErrorCode, type NodeConfig } from '../../common/index.js';
import {
  type ConfigKind,
  effectiveConfig,
  resolveQuorums,
  TOPIC_CONFIGS,
  type TopicInfo,
} from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  DescribeConfigsRequest,
  DescribeConfigsResourceResult,
  DescribeConfigsResponse,
  DescribeConfigsResult,
} from '../protocol/messages/describe-configs.js';
import { RESOURCE_TYPE_BROKER, RESOURCE_TYPE_TOPIC } from './common.js';

const SOURCE_DYNAMIC_TOPIC = 1;
const SOURCE_STATIC_BROKER = 4;
const SOURCE_DEFAULT = 5;

const CONFIG_TYPE: Record<ConfigKind, number> = { boolean: 1, string: 2, int: 3, long: 5, list: 7 };

interface Entry {
  name: string;
  value: string;
  explicit: boolean;
  kind: ConfigKind;
  doc: string;
}

function topicEntries(topic: TopicInfo, broker: NodeConfig): Entry[] {
  const quorums = resolveQuorums(topic.partitions[0]?.replicas.length ?? 1, topic.configs);
  const derived: Record<string, string> = {
    'min.insync.replicas': String(quorums.writeQuorum),
    'write.quorum': String(quorums.writeQuorum),
    'read.quorum': String(quorums.readQuorum),
  };
  return TOPIC_CONFIGS.map((d) => ({
    name: d.name,
    value: derived[d.name] ?? effectiveConfig(d.name, topic.configs, broker) ?? '',
    explicit: topic.configs[d.name] !== undefined,
    kind: d.kind,
    doc: d.doc,
  }));
}

function brokerEntries(config: NodeConfig): Entry[] {
  const e = (name: string, value: string | number | boolean, kind: ConfigKind, doc: string): Entry => ({
    name,
    value: String(value),
    explicit: true,
    kind,
    doc,
  });
  return [
    e('broker.id', config.nodeId, 'int', 'this node id'),
    e('auto.create.topics.enable', config.autoCreateTopics, 'boolean', 'create unknown topics on use'),
    e('num.partitions', config.defaultPartitions, 'int', 'partitions of auto-created topics'),
    e(
      'default.replication.factor',
      config.defaultReplicationFactor,
      'int',
      'replication factor of auto-created topics',
    ),
    e('log.segment.bytes', config.segmentBytes, 'int', 'roll segments at this size'),
    e('log.retention.ms', config.retentionMs, 'long', 'delete segments older than this'),
    e('log.retention.bytes', config.retentionBytes, 'long', 'keep at most this many bytes per partition'),
    e('log.flush.interval.messages', config.flushMessages, 'long', 'messages between fsyncs'),
    e('message.max.bytes', config.maxMessageBytes, 'int', 'largest record batch accepted'),
    e('offsets.topic.num.partitions', config.offsetsTopicPartitions, 'int', 'partitions of __consumer_offsets'),
    e('group.min.session.timeout.ms', config.groupMinSessionTimeoutMs, 'int', 'smallest group session timeout'),
    e('group.max.session.timeout.ms', config.groupMaxSessionTimeoutMs, 'int', 'largest group session timeout'),
  ];
}

export function describeConfigsHandler(ctx: BrokerContext) {
  return defineHandler<DescribeConfigsRequest, DescribeConfigsResponse>({
    apiKey: 32,
    name: 'DescribeConfigs',
    minVersion: 0,
    maxVersion: 4,
    handle(request) {
      const results = request.resources.map((resource): DescribeConfigsResult => {
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName, configs: [] };
        let entries: Entry[];
        let source: number;
        if (resource.resourceType === RESOURCE_TYPE_TOPIC) {
          const topic = ctx.metadata.state.topic(resource.resourceName);
          if (!topic)
            return {
              ...base,
              errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              errorMessage: `unknown topic '${resource.resourceName}'`,
            };
          entries = topicEntries(topic, ctx.config);
          source = SOURCE_DYNAMIC_TOPIC;
        } else if (resource.resourceType === RESOURCE_TYPE_BROKER) {
          if (resource.resourceName !== '' && resource.resourceName !== String(ctx.config.nodeId)) {
            return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `this is node ${ctx.config.nodeId}` };
          }
          entries = brokerEntries(ctx.config);
          source = SOURCE_STATIC_BROKER;
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
          .map((entry): DescribeConfigsResourceResult => ({
            name: entry.name,
            value: entry.value,
            readOnly: false,
            isDefault: !entry.explicit,
            configSource: entry.explicit ? source : SOURCE_DEFAULT,
            isSensitive: false,
            synonyms: request.includeSynonyms
              ? [{ name: entry.name, value: entry.value, source: entry.explicit ? source : SOURCE_DEFAULT }]
              : [],
            configType: CONFIG_TYPE[entry.kind],
            documentation: request.includeDocumentation ? entry.doc : null,
          }));
        return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
      });
      return { throttleTimeMs: 0, results };
    },
  });
}
