// DescribeAcls (key 29), versions 0-3. Needs DESCRIBE on the cluster (else
// CLUSTER_AUTHORIZATION_FAILED). Answered from this node's applied metadata: the ACLs the filter
// selects, grouped by resource pattern as Kafka's DescribeAclsResponse.aclsResources does.
import { ErrorCode, KafkaError } from '../../common/index.js';
import {
  type AclBindingFilter,
  AclOperation,
  ResourceType,
  type StoredAcl,
  validateAclFilter,
} from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  DescribeAclsRequest,
  DescribeAclsResource,
  DescribeAclsResponse,
} from '../protocol/messages/describe-acls.js';
import { notAuthorized } from './authorization.js';

function grouped(acls: readonly StoredAcl[]): DescribeAclsResource[] {
  const byPattern = new Map<string, DescribeAclsResource>();
  for (const acl of acls) {
    const key = JSON.stringify([acl.resourceType, acl.patternType, acl.resourceName]);
    let resource = byPattern.get(key);
    if (!resource) {
      resource = {
        resourceType: acl.resourceType,
        resourceName: acl.resourceName,
        patternType: acl.patternType,
        acls: [],
      };
      byPattern.set(key, resource);
    }
    resource.acls.push({
      principal: acl.principal,
      host: acl.host,
      operation: acl.operation,
      permissionType: acl.permissionType,
    });
  }
  return [...byPattern.values()];
}

export function describeAclsHandler(ctx: BrokerContext) {
  return defineHandler<DescribeAclsRequest, DescribeAclsResponse>({
    apiKey: 29,
    name: 'DescribeAcls',
    minVersion: 0,
    maxVersion: 3,
    handle(request, context) {
      const failed = (err: KafkaError) => ({
        throttleTimeMs: 0,
        errorCode: err.code,
        errorMessage: err.message,
        resources: [],
      });
      if (!ctx.authorizer.access(context).allowsCluster(AclOperation.DESCRIBE)) {
        return failed(notAuthorized(AclOperation.DESCRIBE, ResourceType.CLUSTER));
      }
      const filter: AclBindingFilter = {
        resourceType: request.resourceTypeFilter,
        resourceName: request.resourceNameFilter,
        patternType: request.patternTypeFilter,
        principal: request.principalFilter,
        host: request.hostFilter,
        operation: request.operation,
        permissionType: request.permissionType,
      };
      try {
        validateAclFilter(filter);
      } catch (err) {
        if (err instanceof KafkaError) return failed(err);
        throw err;
      }
      const resources = grouped(ctx.metadata.state.acls.matching(filter));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources };
    },
  });
}
