// Kafka's ACL model (org.apache.kafka.common.acl and .resource): an ACL binds a resource pattern
// (resource type, name, literal or prefixed) to an entry (principal, host, operation, allow or
// deny). The codes are Kafka's wire codes, so bindings go from CreateAcls to the metadata log and
// back to DescribeAcls unchanged. Filters (DescribeAcls, DeleteAcls) may also say ANY, and MATCH
// for "every pattern that would apply to this name".
import { ErrorCode, KafkaError, limits } from '../common/index.js';

export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType];

export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export type PatternType = (typeof PatternType)[keyof typeof PatternType];

export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation];

export const AclPermissionType = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;
export type AclPermissionType = (typeof AclPermissionType)[keyof typeof AclPermissionType];

/** The one name a CLUSTER resource has. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';
/** A literal resource name that matches every name of its type. */
export const WILDCARD_RESOURCE = '*';
/** The principal that matches every user. */
export const WILDCARD_PRINCIPAL = 'User:*';
/** The host that matches every client address. */
export const WILDCARD_HOST = '*';

/** One ACL, as CreateAcls carries it and the metadata log stores it. */
export interface AclBinding {
  readonly resourceType: ResourceType;
  readonly resourceName: string;
  readonly patternType: PatternType;
  /** `User:alice`, or `User:*`. */
  readonly principal: string;
  /** A client IP address, or `*`. */
  readonly host: string;
  readonly operation: AclOperation;
  readonly permissionType: AclPermissionType;
}

/** A filter over ACLs (DescribeAcls, DeleteAcls); null strings match anything. */
export interface AclBindingFilter {
  readonly resourceType: number;
  readonly resourceName: string | null;
  readonly patternType: number;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

/** The operations an ACL on each resource type can grant (Kafka's AclEntry.supportedOperations). */
const SUPPORTED_OPERATIONS: Readonly<Record<number, readonly AclOperation[]>> = {
  [ResourceType.TOPIC]: [
    AclOperation.READ,
    AclOperation.WRITE,
    AclOperation.CREATE,
    AclOperation.DESCRIBE,
    AclOperation.DELETE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
  ],
  // Kafka 4 adds DESCRIBE_CONFIGS and ALTER_CONFIGS for group configs, which Brook does not have.
  [ResourceType.GROUP]: [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE],
  [ResourceType.CLUSTER]: [
    AclOperation.CREATE,
    AclOperation.CLUSTER_ACTION,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
    AclOperation.IDEMPOTENT_WRITE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE,
  ],
  [ResourceType.TRANSACTIONAL_ID]: [AclOperation.DESCRIBE, AclOperation.WRITE],
};

/** The resource types Brook stores ACLs for; DELEGATION_TOKEN and USER name features it lacks. */
const STORED_RESOURCE_TYPES = new Set<number>(Object.keys(SUPPORTED_OPERATIONS).map(Number));

export function supportedOperations(resourceType: ResourceType): readonly AclOperation[] {
  return SUPPORTED_OPERATIONS[resourceType] ?? [];
}

/** The error a client gets for a resource of this type it may not use (AclEntry.authorizationError). */
export function authorizationErrorOf(resourceType: ResourceType): ErrorCode {
  switch (resourceType) {
    case ResourceType.TOPIC:
      return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    case ResourceType.GROUP:
      return ErrorCode.GROUP_AUTHORIZATION_FAILED;
    case ResourceType.TRANSACTIONAL_ID:
      return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    default:
      return ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
  }
}

const invalid = (message: string) => new KafkaError(ErrorCode.INVALID_REQUEST, message);

function isCode(table: Readonly<Record<string, number>>, code: number): boolean {
  return Object.values(table).includes(code);
}

/** `Type:Name` with both parts non-empty (Kafka's SecurityUtils.parseKafkaPrincipal). */
export function isPrincipalText(text: string): boolean {
  const colon = text.indexOf(':');
  return colon > 0 && colon < text.length - 1;
}

function checkLength(what: string, value: string): void {
  if (value.length > limits.aclFieldLengthMax) {
    throw invalid(`${what} is longer than ${limits.aclFieldLengthMax} characters`);
  }
}

/**
 * Checks an ACL to be created as Kafka's AclControlManager.validateNewAcl does, and what Brook
 * cannot store; throws KafkaError(INVALID_REQUEST) naming the problem.
 */
export function validateAclBinding(acl: AclBinding): void {
  if (!isCode(ResourceType, acl.resourceType) || acl.resourceType === ResourceType.UNKNOWN) {
    throw invalid(`invalid resource type ${acl.resourceType}`);
  }
  if (acl.resourceType === ResourceType.ANY) throw invalid('an ACL names one resource type, not ANY');
  if (!STORED_RESOURCE_TYPES.has(acl.resourceType)) {
    throw invalid(`ACLs on resource type ${acl.resourceType} (delegation tokens, users) are not supported`);
  }
  if (acl.patternType !== PatternType.LITERAL && acl.patternType !== PatternType.PREFIXED) {
    throw invalid(`invalid pattern type ${acl.patternType}: an ACL is LITERAL or PREFIXED`);
  }
  if (acl.resourceName.length === 0) throw invalid('invalid empty resource name');
  checkLength('resource name', acl.resourceName);
  if (acl.resourceType === ResourceType.CLUSTER && acl.resourceName !== CLUSTER_RESOURCE_NAME) {
    throw invalid(`the only valid name for the CLUSTER resource is ${CLUSTER_RESOURCE_NAME}`);
  }
  if (!isCode(AclOperation, acl.operation) || acl.operation === AclOperation.UNKNOWN) {
    throw invalid(`invalid operation ${acl.operation}`);
  }
  if (acl.operation === AclOperation.ANY) throw invalid('an ACL names one operation (or ALL), not ANY');
  if (acl.permissionType !== AclPermissionType.ALLOW && acl.permissionType !== AclPermissionType.DENY) {
    throw invalid(`invalid permission type ${acl.permissionType}: an ACL is ALLOW or DENY`);
  }
  if (!isPrincipalText(acl.principal)) throw invalid(`could not parse principal '${acl.principal}' (Type:Name)`);
  checkLength('principal', acl.principal);
  if (acl.host.length === 0) throw invalid('invalid empty host (use * for every host)');
  checkLength('host', acl.host);
}

/** Checks a filter as Kafka's DescribeAclsRequest/DeleteAclsRequest do (no UNKNOWN anywhere). */
export function validateAclFilter(filter: AclBindingFilter): void {
  if (!isCode(ResourceType, filter.resourceType) || filter.resourceType === ResourceType.UNKNOWN) {
    throw invalid(`invalid resource type filter ${filter.resourceType}`);
  }
  if (!isCode(PatternType, filter.patternType) || filter.patternType === PatternType.UNKNOWN) {
    throw invalid(`invalid pattern type filter ${filter.patternType}`);
  }
  if (!isCode(AclOperation, filter.operation) || filter.operation === AclOperation.UNKNOWN) {
    throw invalid(`invalid operation filter ${filter.operation}`);
  }
  if (!isCode(AclPermissionType, filter.permissionType) || filter.permissionType === AclPermissionType.UNKNOWN) {
    throw invalid(`invalid permission type filter ${filter.permissionType}`);
  }
}

/** Whether `acl` is one the filter selects (Kafka's AclBindingFilter.matches). */
export function filterMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  if (filter.resourceType !== ResourceType.ANY && filter.resourceType !== acl.resourceType) return false;
  if (!patternMatches(filter, acl)) return false;
  if (filter.principal !== null && filter.principal !== acl.principal) return false;
  if (filter.host !== null && filter.host !== acl.host) return false;
  if (filter.operation !== AclOperation.ANY && filter.operation !== acl.operation) return false;
  return filter.permissionType === AclPermissionType.ANY || filter.permissionType === acl.permissionType;
}

/** ResourcePatternFilter.matches: MATCH selects every pattern that applies to the named resource. */
function patternMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  const anyPattern = filter.patternType === PatternType.ANY;
  if (!anyPattern && filter.patternType !== PatternType.MATCH && filter.patternType !== acl.patternType) return false;
  const name = filter.resourceName;
  if (name === null) return true;
  if (anyPattern || filter.patternType === acl.patternType) return name === acl.resourceName;
  // MATCH: the literal name, the wildcard, or a prefix of the name.
  if (acl.patternType === PatternType.LITERAL)
    return name === acl.resourceName || acl.resourceName === WILDCARD_RESOURCE;
  return name.startsWith(acl.resourceName);
}

/** A text key that is the same for two bindings exactly when they are the same ACL. */
export function aclKey(acl: AclBinding): string {
  return JSON.stringify([
    acl.resourceType,
    acl.patternType,
    acl.resourceName,
    acl.principal,
    acl.host,
    acl.operation,
    acl.permissionType,
  ]);
}
