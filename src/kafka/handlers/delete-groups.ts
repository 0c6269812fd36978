// DeleteGroups (key 42), versions 0-2. Deletes empty groups and their committed offsets (written
// as tombstones to __consumer_offsets): GROUP_ID_NOT_FOUND (69) for an unknown group,
// NON_EMPTY_GROUP (68) while it has members. Each group needs DELETE, else GROUP_AUTHORIZATION_FAILED.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/messages/delete-groups.js';

export function deleteGroupsHandler(ctx: BrokerContext) {
  return defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
    apiKey: 42,
    name: 'DeleteGroups',
    minVersion: 0,
    maxVersion: 2,
    async handle(request, context) {
      const access = ctx.authorizer.access(context);
      const deletable = (groupId: string) => access.allows(AclOperation.DELETE, ResourceType.GROUP, groupId);
      const allowed = request.groupsNames.filter(deletable);
      const deleted = allowed.length > 0 ? await ctx.groups.deleteGroups(allowed) : [];
      let next = 0;
      const results = request.groupsNames.map((groupId) =>
        deletable(groupId) ? deleted[next++]! : { groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED },
      );
      return { throttleTimeMs: 0, results };
    },
  });
}
