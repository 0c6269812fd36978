// What one request may do: the handlers ask it, per resource, as Kafka's KafkaApis asks its
// authorizer. Requests that come through a listener that authenticates clients (SASL, TLS client
// certificates) are checked against the cluster's ACLs for their principal and client address;
// requests on a listener that authenticates nobody are not checked, so a PLAINTEXT-only node
// behaves as before, unless authorizer.all.listeners asks for them to be checked too (as
// User:ANONYMOUS, which is what Kafka does once an authorizer is configured).
import { formatPrincipal, type NodeConfig } from '../common/index.js';
import {
  type AclOperation,
  allOperations,
  Authorizer,
  CLUSTER_RESOURCE_NAME,
  type MetadataState,
  type Requester,
  ResourceType,
} from '../metadata/index.js';
import type { RequestContext } from './handler.js';

export interface RequestAccess {
  /** False on a listener whose requests are not authorized: every check then allows. */
  readonly enforced: boolean;
  allows(operation: AclOperation, resourceType: ResourceType, name: string): boolean;
  allowsCluster(operation: AclOperation): boolean;
  /** Some resource of this type (Kafka's authorizeByResourceType). */
  allowsAny(operation: AclOperation, resourceType: ResourceType): boolean;
  /** Kafka's authorized-operations bit set for one resource. */
  operations(resourceType: ResourceType, name: string): number;
}

const UNCHECKED: RequestAccess = {
  enforced: false,
  allows: () => true,
  allowsCluster: () => true,
  allowsAny: () => true,
  operations: (resourceType) => allOperations(resourceType),
};

/** The client's IP address as ACL hosts name it: IPv4 not IPv6-mapped (Java's getHostAddress). */
export function aclHostOf(clientAddress: string): string {
  return clientAddress.startsWith('::ffff:') && clientAddress.includes('.')
    ? clientAddress.slice('::ffff:'.length)
    : clientAddress;
}

class CheckedAccess implements RequestAccess {
  readonly enforced = true;
  /** Requests name one resource many times (a topic per partition): each is decided once. */
  private readonly decided = new Map<string, boolean>();

  constructor(
    private readonly authorizer: Authorizer,
    private readonly requester: Requester,
  ) {}

  allows(operation: AclOperation, resourceType: ResourceType, name: string): boolean {
    const key = `${operation}:${resourceType}:${name}`;
    let allowed = this.decided.get(key);
    if (allowed === undefined) {
      allowed = this.authorizer.authorize(this.requester, operation, resourceType, name);
      this.decided.set(key, allowed);
    }
    return allowed;
  }

  allowsCluster(operation: AclOperation): boolean {
    return this.allows(operation, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);
  }

  allowsAny(operation: AclOperation, resourceType: ResourceType): boolean {
    return this.authorizer.authorizeAny(this.requester, operation, resourceType);
  }

  operations(resourceType: ResourceType, name: string): number {
    return this.authorizer.authorizedOperations(this.requester, resourceType, name);
  }
}

export class RequestAuthorizer {
  private readonly authorizer: Authorizer;

  constructor(
    state: MetadataState,
    private readonly config: Pick<NodeConfig, 'superUsers' | 'allowEveryoneIfNoAclFound' | 'authorizerAllListeners'>,
  ) {
    this.authorizer = new Authorizer(state.acls, {
      superUsers: new Set(config.superUsers),
      allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound,
    });
  }

  /** The checks for one request. */
  access(context: RequestContext): RequestAccess {
    if (!context.authenticatesClients && !this.config.authorizerAllListeners) return UNCHECKED;
    return new CheckedAccess(this.authorizer, {
      principal: formatPrincipal(context.principal),
      host: aclHostOf(context.clientAddress),
    });
  }
}
