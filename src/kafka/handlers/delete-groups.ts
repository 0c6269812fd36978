// DeleteGroups (key 42), versions 0-2. Deletes empty groups and their committed offsets (written
// as tombstones to __consumer_offsets): GROUP_ID_NOT_FOUND (69) for an unknown group,
// NON_EMPTY_GROUP (68) while it has members.
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/messages/delete-groups.js';

export function deleteGroupsHandler(ctx: BrokerContext) {
  return defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
    apiKey: 42,
    name: 'DeleteGroups',
    minVersion: 0,
    maxVersion: 2,
    async handle(request) {
      const results = await ctx.groups.deleteGroups(request.groupsNames);
      return { throttleTimeMs: 0, results };
    },
  });
}
