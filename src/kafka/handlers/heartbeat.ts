// Heartbeat (key 12), versions 0-4. Keeps a member's session alive; answers
// REBALANCE_IN_PROGRESS (27) while the group rebalances (the member must rejoin), ILLEGAL_GENERATION
// (22) for a stale generation and UNKNOWN_MEMBER_ID (25) for a member the group does not have.
// The group needs READ, else GROUP_AUTHORIZATION_FAILED.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { HeartbeatRequest, HeartbeatResponse } from '../protocol/messages/heartbeat.js';

export function heartbeatHandler(ctx: BrokerContext) {
  return defineHandler<HeartbeatRequest, HeartbeatResponse>({
    apiKey: 12,
    name: 'Heartbeat',
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      if (!ctx.authorizer.access(context).allows(AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
      }
      const errorCode = ctx.groups.heartbeat({
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: context.apiVersion >= 3 ? request.groupInstanceId : null,
      });
      return { throttleTimeMs: 0, errorCode };
    },
  });
}
