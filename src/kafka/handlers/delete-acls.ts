// DeleteAcls (key 31), versions 0-3. Needs ALTER on the cluster (else every filter result is
// CLUSTER_AUTHORIZATION_FAILED). Forwarded to the controller, which removes every ACL some filter
// matches in one metadata entry; each filter reports the ACLs it matched.
import { AclOperation, type AclBindingFilter, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { DeleteAclsFilter, DeleteAclsRequest, DeleteAclsResponse } from '../protocol/messages/delete-acls.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';

function filterOf(filter: DeleteAclsFilter): AclBindingFilter {
  return {
    resourceType: filter.resourceTypeFilter,
    resourceName: filter.resourceNameFilter,
    patternType: filter.patternTypeFilter,
    principal: filter.principalFilter,
    host: filter.hostFilter,
    operation: filter.operation,
    permissionType: filter.permissionType,
  };
}

export function deleteAclsHandler(ctx: BrokerContext) {
  return defineHandler<DeleteAclsRequest, DeleteAclsResponse>({
    apiKey: 31,
    name: 'DeleteAcls',
    minVersion: 0,
    maxVersion: 3,
    async handle(request, context) {
      const failAll = (error: { errorCode: number; errorMessage: string }) => ({
        throttleTimeMs: 0,
        filterResults: request.filters.map(() => ({ ...error, matchingAcls: [] })),
      });
      if (!ctx.authorizer.access(context).allowsCluster(AclOperation.ALTER)) {
        const denied = notAuthorized(AclOperation.ALTER, ResourceType.CLUSTER);
        return failAll({ errorCode: denied.code, errorMessage: denied.message });
      }
      try {
        const results = await ctx.admin.deleteAcls(request.filters.map(filterOf));
        return {
          throttleTimeMs: 0,
          filterResults: results.map((result) => ({
            errorCode: result.errorCode,
            errorMessage: result.errorMessage,
            matchingAcls: result.matchingAcls.map((acl) => ({
              errorCode: 0,
              errorMessage: null,
              resourceType: acl.resourceType,
              resourceName: acl.resourceName,
              patternType: acl.patternType,
              principal: acl.principal,
              host: acl.host,
              operation: acl.operation,
              permissionType: acl.permissionType,
            })),
          })),
        };
      } catch (err) {
        return failAll(errorOf(err, ctx.log));
      }
    },
  });
}
