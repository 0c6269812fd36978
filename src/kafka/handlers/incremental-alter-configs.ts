// IncrementalAlterConfigs (key 44), versions 0-1: set, delete, append to or subtract from single
// topic configs, leaving the others as they are.
import { ErrorCode, KafkaError } from '../../common/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import {
  ConfigOperation,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse,
  type IncrementalAlterableConfig,
} from '../protocol/messages/incremental-alter-configs.js';
import { alterTopicConfigs } from './common.js';

function applyOperations(
  current: Readonly<Record<string, string>>,
  ops: readonly IncrementalAlterableConfig[],
): Record<string, string> {
  const next: Record<string, string> = { ...current };
  for (const op of ops) {
    const items = (next[op.name] ?? '').split(',').filter((s) => s !== '');
    switch (op.configOperation) {
      case ConfigOperation.set:
        if (op.value === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `config ${op.name} has a null value`);
        next[op.name] = op.value;
        break;
      case ConfigOperation.delete:
        delete next[op.name];
        break;
      case ConfigOperation.append:
        next[op.name] = [...items, ...(op.value ?? '').split(',').filter((s) => s !== '' && !items.includes(s))].join(
          ',',
        );
        break;
      case ConfigOperation.subtract: {
        const remove = new Set((op.value ?? '').split(','));
        next[op.name] = items.filter((s) => !remove.has(s)).join(',');
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
    async handle(request) {
      const responses = await alterTopicConfigs(ctx, request.resources, request.validateOnly, (resource) => {
        const topic = ctx.metadata.state.topic(resource.resourceName);
        if (!topic)
          throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic '${resource.resourceName}'`);
        return applyOperations(topic.configs, resource.configs);
      });
      return { throttleTimeMs: 0, responses };
    },
  });
}
