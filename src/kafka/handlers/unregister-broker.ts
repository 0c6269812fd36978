// UnregisterBroker (key 64), version 0: Brook's decommission. The broker is marked decommissioned in
// the cluster metadata: placement (new topics and partitions) and `brook cluster rebalance` put no
// replica there, and a reassignment may not add it. It stays registered, so a broker that still
// hosts replicas keeps serving them; `brook node decommission` moves them off with reassignments
// first. Forwarded to the controller. Needs ALTER on the cluster, as in Kafka.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { UnregisterBrokerRequest, UnregisterBrokerResponse } from '../protocol/messages/unregister-broker.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';

export function unregisterBrokerHandler(ctx: BrokerContext) {
  return defineHandler<UnregisterBrokerRequest, UnregisterBrokerResponse>({
    apiKey: 64,
    name: 'UnregisterBroker',
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context) {
      if (!ctx.authorizer.access(context).allowsCluster(AclOperation.ALTER)) {
        const denied = notAuthorized(AclOperation.ALTER, ResourceType.CLUSTER);
        return { throttleTimeMs: 0, errorCode: denied.code, errorMessage: denied.message };
      }
      try {
        await ctx.admin.decommissionBroker(request.brokerId);
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null };
      } catch (err) {
        return { throttleTimeMs: 0, ...errorOf(err, ctx.log) };
      }
    },
  });
}
