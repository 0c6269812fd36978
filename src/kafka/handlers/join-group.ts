// JoinGroup (key 11), versions 0-7. v0 has no rebalance timeout (the session timeout is used);
// from v4 a member without an id first gets MEMBER_ID_REQUIRED (79) with the id to join with;
// v5 adds group.instance.id (static membership); v7 returns the protocol type. The response
// waits until the rebalance completes (bounded by the rebalance timeout). The leader gets every
// member's metadata for the chosen protocol; the others get none. The group needs READ, else
// GROUP_AUTHORIZATION_FAILED.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { JoinGroupRequest, JoinGroupResponse } from '../protocol/messages/join-group.js';
import { clientHostOf } from './group-common.js';

export function joinGroupHandler(ctx: BrokerContext) {
  return defineHandler<JoinGroupRequest, JoinGroupResponse>({
    apiKey: 11,
    name: 'JoinGroup',
    minVersion: 0,
    maxVersion: 7,
    async handle(request, context) {
      const version = context.apiVersion;
      if (!ctx.authorizer.access(context).allows(AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
          generationId: -1,
          protocolType: null,
          protocolName: version >= 7 ? null : '',
          leader: '',
          skipAssignment: false,
          memberId: '',
          members: [],
        };
      }
      const result = await ctx.groups.joinGroup({
        groupId: request.groupId,
        memberId: request.memberId,
        groupInstanceId: version >= 5 ? request.groupInstanceId : null,
        clientId: context.clientId ?? '',
        clientHost: clientHostOf(context),
        sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: version >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
        protocolType: request.protocolType,
        protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
        requireKnownMemberId: version >= 4,
      });
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        generationId: result.generationId,
        protocolType: result.protocolType,
        // Not nullable before v7.
        protocolName: version >= 7 ? result.protocolName : (result.protocolName ?? ''),
        leader: result.leader,
        skipAssignment: false,
        memberId: result.memberId,
        members: result.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          metadata: m.metadata,
        })),
      };
    },
  });
}
