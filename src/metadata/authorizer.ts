// Authorization decisions over the cluster's ACLs, with Kafka's rules (StandardAuthorizer):
// super users may do anything; otherwise the ACLs whose pattern applies to the resource (its
// literal name, the wildcard `*`, and every prefixed name that begins it) are checked against the
// principal (or `User:*`) and the client's host (or `*`). A matching DENY wins over any ALLOW. ALL
// matches every operation; an ALLOW of READ, WRITE, DELETE or ALTER also allows DESCRIBE, and one
// of ALTER_CONFIGS allows DESCRIBE_CONFIGS (a DENY implies nothing). When no ACL at all applies to
// the resource, allow.everyone.if.no.acl.found decides; otherwise what is not allowed is denied.
import type { AclIndex, StoredAcl } from './acl-index.js';
import {
  AclOperation,
  AclPermissionType,
  PatternType,
  type ResourceType,
  supportedOperations,
  WILDCARD_HOST,
  WILDCARD_PRINCIPAL,
  WILDCARD_RESOURCE,
} from './acl-model.js';

export interface AuthorizerSettings {
  /** Principals (`User:admin`) allowed everything, whatever the ACLs say (Kafka's super.users). */
  readonly superUsers: ReadonlySet<string>;
  /** Allow a resource no ACL applies to (Kafka's allow.everyone.if.no.acl.found). */
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** Who asks: the principal's text (`User:alice`) and the client's IP address. */
export interface Requester {
  readonly principal: string;
  readonly host: string;
}

const IMPLIES_DESCRIBE = new Set<number>([
  AclOperation.DESCRIBE,
  AclOperation.READ,
  AclOperation.WRITE,
  AclOperation.DELETE,
  AclOperation.ALTER,
]);
const IMPLIES_DESCRIBE_CONFIGS = new Set<number>([AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]);

function principalMatches(acl: StoredAcl, requester: Requester): boolean {
  return acl.principal === requester.principal || acl.principal === WILDCARD_PRINCIPAL;
}

function hostMatches(acl: StoredAcl, requester: Requester): boolean {
  return acl.host === WILDCARD_HOST || acl.host === requester.host;
}

/** Whether an ACL grants or refuses `operation` (Kafka's findResult), or says nothing about it. */
function operationMatches(acl: StoredAcl, operation: AclOperation): boolean {
  if (acl.operation === AclOperation.ALL || acl.operation === operation) return true;
  if (acl.permissionType !== AclPermissionType.ALLOW) return false;
  if (operation === AclOperation.DESCRIBE) return IMPLIES_DESCRIBE.has(acl.operation);
  if (operation === AclOperation.DESCRIBE_CONFIGS) return IMPLIES_DESCRIBE_CONFIGS.has(acl.operation);
  return false;
}

export class Authorizer {
  constructor(
    private readonly acls: AclIndex,
    private readonly settings: AuthorizerSettings,
  ) {}

  isSuperUser(principal: string): boolean {
    return this.settings.superUsers.has(principal);
  }

  /** May `requester` perform `operation` on the resource named `name` of type `resourceType`? */
  authorize(requester: Requester, operation: AclOperation, resourceType: ResourceType, name: string): boolean {
    if (this.isSuperUser(requester.principal)) return true;
    let allowed = false;
    let denied = false;
    const found = this.acls.forEachApplying(resourceType, name, requester.principal, (acl) => {
      if (!hostMatches(acl, requester)) return false;
      if (!operationMatches(acl, operation)) return false;
      if (acl.permissionType === AclPermissionType.DENY) {
        denied = true;
        return true;
      }
      allowed = true;
      return false;
    });
    if (denied) return false;
    if (allowed) return true;
    return !found && this.settings.allowEveryoneIfNoAclFound;
  }

  /**
   * May `requester` perform `operation` on some resource of this type (Kafka's
   * authorizeByResourceType, which InitProducerId asks for WRITE on any topic)? True when an ALLOW
   * applies to the principal that no DENY of the same principal covers: a DENY on the wildcard
   * refuses all, a literal DENY covers the same literal name, a prefixed DENY every name it begins.
   */
  authorizeAny(requester: Requester, operation: AclOperation, resourceType: ResourceType): boolean {
    if (this.isSuperUser(requester.principal)) return true;
    if (!this.acls.hasType(resourceType)) return this.settings.allowEveryoneIfNoAclFound;
    const deniedLiteral = new Set<string>();
    const deniedPrefixes: string[] = [];
    const allowed: StoredAcl[] = [];
    for (const acl of this.acls.ofType(resourceType)) {
      if (!principalMatches(acl, requester) || !hostMatches(acl, requester)) continue;
      if (acl.operation !== operation && acl.operation !== AclOperation.ALL) continue;
      if (acl.permissionType === AclPermissionType.DENY) {
        if (acl.patternType === PatternType.LITERAL && acl.resourceName === WILDCARD_RESOURCE) return false;
        if (acl.patternType === PatternType.LITERAL) deniedLiteral.add(acl.resourceName);
        else deniedPrefixes.push(acl.resourceName);
      } else {
        allowed.push(acl);
      }
    }
    return allowed.some((acl) => {
      if (acl.patternType === PatternType.LITERAL && acl.resourceName === WILDCARD_RESOURCE) return true;
      if (acl.patternType === PatternType.LITERAL && deniedLiteral.has(acl.resourceName)) return false;
      return !deniedPrefixes.some((prefix) => acl.resourceName.startsWith(prefix));
    });
  }

  /** Kafka's authorized-operations bit set (bit n set: operation code n allowed) for one resource. */
  authorizedOperations(requester: Requester, resourceType: ResourceType, name: string): number {
    let bits = 0;
    for (const operation of supportedOperations(resourceType)) {
      if (this.authorize(requester, operation, resourceType, name)) bits |= 1 << operation;
    }
    return bits;
  }
}

/** The bit set of every operation a resource type supports: what an unauthorized listener reports. */
export function allOperations(resourceType: ResourceType): number {
  let bits = 0;
  for (const operation of supportedOperations(resourceType)) bits |= 1 << operation;
  return bits;
}
