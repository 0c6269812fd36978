// Small helpers the handler files share.
import { ErrorCode, errorCodeOf, KafkaError, type Logger } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import type { RequestAccess } from '../request-access.js';
import { notAuthorized } from './authorization.js';

/** Kafka's "authorized operations were not requested" marker. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** The error code and message to answer for an operation that failed. */
export function errorOf(err: unknown, log: Logger): { errorCode: number; errorMessage: string } {
  if (!(err instanceof KafkaError)) log.error({ err }, 'unexpected error in a request handler');
  return { errorCode: errorCodeOf(err), errorMessage: err instanceof Error ? err.message : String(err) };
}

/** Builds a config map from Kafka's name/value pairs; a null value is refused. */
export function configMap(entries: readonly { name: string; value: string | null }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { name, value } of entries) {
    if (value === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `config ${name} has a null value`);
    out[name] = value;
  }
  return out;
}

export const RESOURCE_TYPE_TOPIC = 2;
export const RESOURCE_TYPE_BROKER = 4;

interface ConfigResource {
  readonly resourceType: number;
  readonly resourceName: string;
}

/**
 * Applies new explicit configs to each topic resource (AlterConfigs, IncrementalAlterConfigs):
 * `nextConfigs` computes a topic's whole new config set. Broker settings are static (flags and
 * BROOK_* variables), so broker resources are refused. One result per resource, in order. A topic
 * needs ALTER_CONFIGS on it, a broker resource ALTER_CONFIGS on the cluster (checked first, as Kafka
 * does, so an unauthorized client learns nothing else).
 */
export function alterTopicConfigs<R extends ConfigResource>(
  ctx: BrokerContext,
  access: RequestAccess,
  resources: readonly R[],
  validateOnly: boolean,
  nextConfigs: (resource: R) => Record<string, string>,
) {
  return Promise.all(
    resources.map(async (resource) => {
      const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
      const isTopic = resource.resourceType === RESOURCE_TYPE_TOPIC;
      const allowed = isTopic
        ? access.allows(AclOperation.ALTER_CONFIGS, ResourceType.TOPIC, resource.resourceName)
        : resource.resourceType !== RESOURCE_TYPE_BROKER || access.allowsCluster(AclOperation.ALTER_CONFIGS);
      if (!allowed) {
        const err = isTopic
          ? notAuthorized(AclOperation.ALTER_CONFIGS, ResourceType.TOPIC, resource.resourceName)
          : notAuthorized(AclOperation.ALTER_CONFIGS, ResourceType.CLUSTER);
        return { ...base, errorCode: err.code, errorMessage: err.message };
      }
      if (!isTopic) {
        return {
          ...base,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: 'only topic configs can be altered; broker settings are static',
        };
      }
      try {
        await ctx.admin.alterTopicConfig(resource.resourceName, nextConfigs(resource), validateOnly);
        return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
      } catch (err) {
        return { ...base, ...errorOf(err, ctx.log) };
      }
    }),
  );
}
