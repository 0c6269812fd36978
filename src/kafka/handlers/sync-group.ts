// SyncGroup (key 14), versions 0-4. The leader sends the assignment of the generation; it is made
// durable in __consumer_offsets, then every member gets its part (empty bytes when it has none).
// Followers' requests wait for that. v3 adds group.instance.id. The group needs READ, else GROUP_AUTHORIZATION_FAILED.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { SyncGroupRequest, SyncGroupResponse } from '../protocol/messages/sync-group.js';

export function syncGroupHandler(ctx: BrokerContext) {
  return defineHandler<SyncGroupRequest, SyncGroupResponse>({
    apiKey: 14,
    name: 'SyncGroup',
    minVersion: 0,
    maxVersion: 4,
    async handle(request, context) {
      const version = context.apiVersion;
      if (!ctx.authorizer.access(context).allows(AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        const errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
        return { throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
      }
      const result = await ctx.groups.syncGroup({
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: version >= 3 ? request.groupInstanceId : null,
        protocolType: version >= 5 ? request.protocolType : null,
        protocolName: version >= 5 ? request.protocolName : null,
        assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
      });
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        protocolType: result.protocolType,
        protocolName: result.protocolName,
        assignment: result.assignment,
      };
    },
  });
}
