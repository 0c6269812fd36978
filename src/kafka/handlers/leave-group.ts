// LeaveGroup (key 13), versions 0-4. v0-2 name one member and answer with one error; v3+ name
// members (by member id or group.instance.id) and answer per member. The group rebalances
// without the members at once, instead of waiting for their sessions to expire.
// The group needs READ, else GROUP_AUTHORIZATION_FAILED.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../protocol/messages/leave-group.js';

export function leaveGroupHandler(ctx: BrokerContext) {
  return defineHandler<LeaveGroupRequest, LeaveGroupResponse>({
    apiKey: 13,
    name: 'LeaveGroup',
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      if (!ctx.authorizer.access(context).allows(AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
      }
      if (context.apiVersion < 3) {
        const result = ctx.groups.leaveGroup(request.groupId, [{ memberId: request.memberId, groupInstanceId: null }]);
        const errorCode =
          result.errorCode !== ErrorCode.NONE ? result.errorCode : (result.members[0]?.errorCode ?? ErrorCode.NONE);
        return { throttleTimeMs: 0, errorCode, members: [] };
      }
      const result = ctx.groups.leaveGroup(
        request.groupId,
        request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })),
      );
      return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members };
    },
  });
}
