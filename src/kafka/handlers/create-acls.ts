// CreateAcls (key 30), versions 0-3. Needs ALTER on the cluster (else every result is
// CLUSTER_AUTHORIZATION_FAILED). Forwarded to the controller; each ACL gets a result in order, an
// invalid one INVALID_REQUEST naming the problem, an existing one success. Answered once the new
// ACLs are applied on this node; the other nodes apply them from the metadata log.
import {
  type AclBinding,
  AclOperation,
  type AclPermissionType,
  type PatternType,
  ResourceType,
} from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { AclCreation, CreateAclsRequest, CreateAclsResponse } from '../protocol/messages/create-acls.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';

/** A wire creation as a binding; the codes are checked by the controller (validateAclBinding). */
export function bindingOf(creation: AclCreation): AclBinding {
  return {
    resourceType: creation.resourceType as ResourceType,
    resourceName: creation.resourceName,
    patternType: creation.resourcePatternType as PatternType,
    principal: creation.principal,
    host: creation.host,
    operation: creation.operation as AclOperation,
    permissionType: creation.permissionType as AclPermissionType,
  };
}

export function createAclsHandler(ctx: BrokerContext) {
  return defineHandler<CreateAclsRequest, CreateAclsResponse>({
    apiKey: 30,
    name: 'CreateAcls',
    minVersion: 0,
    maxVersion: 3,
    async handle(request, context) {
      if (!ctx.authorizer.access(context).allowsCluster(AclOperation.ALTER)) {
        const denied = notAuthorized(AclOperation.ALTER, ResourceType.CLUSTER);
        const result = { errorCode: denied.code, errorMessage: denied.message };
        return { throttleTimeMs: 0, results: request.creations.map(() => result) };
      }
      try {
        const results = await ctx.admin.createAcls(request.creations.map(bindingOf));
        return { throttleTimeMs: 0, results: results.map((r) => ({ ...r })) };
      } catch (err) {
        const failed = errorOf(err, ctx.log);
        return { throttleTimeMs: 0, results: request.creations.map(() => failed) };
      }
    },
  });
}
