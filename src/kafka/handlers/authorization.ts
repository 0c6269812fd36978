// The errors a request gets for what its principal may not do, one per resource type as Kafka
// answers them (TOPIC_, GROUP_, CLUSTER_, TRANSACTIONAL_ID_AUTHORIZATION_FAILED), with a message
// naming the operation and the resource.
import { KafkaError } from '../../common/index.js';
import { AclOperation, authorizationErrorOf, ResourceType } from '../../metadata/index.js';

const OPERATION_NAMES = new Map<number, string>(Object.entries(AclOperation).map(([name, code]) => [code, name]));
const TYPE_NAMES: Readonly<Record<number, string>> = {
  [ResourceType.TOPIC]: 'topic',
  [ResourceType.GROUP]: 'group',
  [ResourceType.CLUSTER]: 'the cluster',
  [ResourceType.TRANSACTIONAL_ID]: 'transactional id',
};

export function notAuthorized(operation: AclOperation, resourceType: ResourceType, name?: string): KafkaError {
  const what = TYPE_NAMES[resourceType] ?? `resource type ${resourceType}`;
  const op = OPERATION_NAMES.get(operation) ?? String(operation);
  return new KafkaError(
    authorizationErrorOf(resourceType),
    `not authorized to ${op} ${what}${name === undefined ? '' : ` '${name}'`}`,
  );
}
