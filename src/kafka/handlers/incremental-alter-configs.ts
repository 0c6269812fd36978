// IncrementalAlterConfigs (key 44), versions 0-1: set, delete, append to or subtract from single
// topic configs, leaving the others as they are. Append and subtract take only list configs
// (cleanup.policy), and start from the topic's effective value, its default included, as Kafka's do.
// The whole new set is then checked by the controller like AlterConfigs'.
import { effectiveTopicSettings, ErrorCode, KafkaError, type NodeConfig, topicRow } from '../../common/index.js';
import type { TopicInfo } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import {
  ConfigOperation,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse,
  type IncrementalAlterableConfig,
} from '../protocol/messages/incremental-alter-configs.js';
import { alterTopicConfigs } from './common.js';

/** The list a config holds now: as set in this request so far, else the topic's effective value. */
function currentItems(next: Readonly<Record<string, string>>, topic: TopicInfo, node: NodeConfig, name: string) {
  const row = topicRow(name);
  if (!row) throw new KafkaError(ErrorCode.INVALID_CONFIG, `unknown topic config '${name}'`);
  if (row.type.kafkaType !== 'list') {
    throw new KafkaError(
      ErrorCode.INVALID_CONFIG,
      `config ${name} is not a list: it cannot be appended to or subtracted from`,
    );
  }
  const effective = effectiveTopicSettings(topic.settings, node) as unknown as Readonly<Record<string, unknown>>;
  const text = next[name] ?? row.type.format(effective[row.key]);
  return text.split(',').filter((s) => s !== '');
}

function applyOperations(
  topic: TopicInfo,
  node: NodeConfig,
  ops: readonly IncrementalAlterableConfig[],
): Record<string, string> {
  const next: Record<string, string> = { ...topic.configs };
  for (const op of ops) {
    switch (op.configOperation) {
      case ConfigOperation.set:
        if (op.value === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `config ${op.name} has a null value`);
        next[op.name] = op.value;
        break;
      case ConfigOperation.delete:
        delete next[op.name];
        break;
      case ConfigOperation.append: {
        const items = currentItems(next, topic, node, op.name);
        const added = (op.value ?? '').split(',').filter((s) => s !== '' && !items.includes(s));
        next[op.name] = [...items, ...added].join(',');
        break;
      }
      case ConfigOperation.subtract: {
        const remove = new Set((op.value ?? '').split(','));
        next[op.name] = currentItems(next, topic, node, op.name)
          .filter((s) => !remove.has(s))
          .join(',');
        break;
      }
      default:
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown config operation ${op.configOperation}`);
    }
  }
  return next;
}

export function incrementalAlterConfigsHandler(ctx: BrokerContext) {
  return defineHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>({
    apiKey: 44,
    name: 'IncrementalAlterConfigs',
    minVersion: 0,
    maxVersion: 1,
    async handle(request, context) {
      const access = ctx.authorizer.access(context);
      const responses = await alterTopicConfigs(ctx, access, request.resources, request.validateOnly, (resource) => {
        const topic = ctx.metadata.state.topic(resource.resourceName);
        if (!topic)
          throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic '${resource.resourceName}'`);
        return applyOperations(topic, ctx.config, resource.configs);
      });
      return { throttleTimeMs: 0, responses };
    },
  });
}
