// AlterClientQuotas (key 49), versions 0-1. Needs ALTER_CONFIGS on the cluster (else every entry is
// CLUSTER_AUTHORIZATION_FAILED). Forwarded to the controller; each entity gets a result in order,
// and every node enforces the new quotas once it applies them from the metadata log.
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../protocol/messages/alter-client-quotas.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';

export function alterClientQuotasHandler(ctx: BrokerContext) {
  return defineHandler<AlterClientQuotasRequest, AlterClientQuotasResponse>({
    apiKey: 49,
    name: 'AlterClientQuotas',
    minVersion: 0,
    maxVersion: 1,
    async handle(request, context) {
      const failAll = (error: { errorCode: number; errorMessage: string }) => ({
        throttleTimeMs: 0,
        entries: request.entries.map((entry) => ({ ...error, entity: entry.entity })),
      });
      if (!ctx.authorizer.access(context).allowsCluster(AclOperation.ALTER_CONFIGS)) {
        const denied = notAuthorized(AclOperation.ALTER_CONFIGS, ResourceType.CLUSTER);
        return failAll({ errorCode: denied.code, errorMessage: denied.message });
      }
      try {
        const results = await ctx.admin.alterClientQuotas(
          request.entries.map((entry) => ({ entity: entry.entity, ops: entry.ops })),
          request.validateOnly,
        );
        return {
          throttleTimeMs: 0,
          entries: results.map((r) => ({
            errorCode: r.errorCode,
            errorMessage: r.errorMessage,
            entity: r.entity.map((p) => ({ ...p })),
          })),
        };
      } catch (err) {
        return failAll(errorOf(err, ctx.log));
      }
    },
  });
}
