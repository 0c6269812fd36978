// Small helpers the handler files share.
import { ErrorCode, errorCodeOf, KafkaError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';

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
