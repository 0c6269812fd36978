// ListGroups (key 16), versions 0-4. Lists only the groups this node coordinates: clients ask
// every broker and concatenate the answers. v4 filters by state (case-insensitive) and reports
// each group's state. COORDINATOR_LOAD_IN_PROGRESS while a coordinator partition is loading. With
// DESCRIBE on the cluster every group is listed, else only the groups the principal may DESCRIBE.
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { ListGroupsRequest, ListGroupsResponse } from '../protocol/messages/list-groups.js';

export function listGroupsHandler(ctx: BrokerContext) {
  return defineHandler<ListGroupsRequest, ListGroupsResponse>({
    apiKey: 16,
    name: 'ListGroups',
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      const access = ctx.authorizer.access(context);
      const all = access.allowsCluster(AclOperation.DESCRIBE);
      const result = ctx.groups.listGroups();
      const states = new Set(context.apiVersion >= 4 ? request.statesFilter.map((s) => s.toLowerCase()) : []);
      const groups = result.groups
        .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
        .filter((g) => all || access.allows(AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId))
        .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: 'classic' }));
      return { throttleTimeMs: 0, errorCode: result.errorCode, groups };
    },
  });
}
