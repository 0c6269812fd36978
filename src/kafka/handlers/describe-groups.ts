// DescribeGroups (key 15), versions 0-5. Per group: state, protocol type, and members with client
// id and host; while Stable also the chosen protocol and each member's metadata and assignment.
// An unknown group is reported as Dead with no members (Kafka's answer before v6). Each group needs
// DESCRIBE, else GROUP_AUTHORIZATION_FAILED; authorized operations (v3+) when asked for.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import {
  AUTHORIZED_OPERATIONS_OMITTED,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
} from '../protocol/messages/describe-groups.js';

export function describeGroupsHandler(ctx: BrokerContext) {
  return defineHandler<DescribeGroupsRequest, DescribeGroupsResponse>({
    apiKey: 15,
    name: 'DescribeGroups',
    minVersion: 0,
    maxVersion: 5,
    handle(request, context) {
      const access = ctx.authorizer.access(context);
      return {
        throttleTimeMs: 0,
        groups: request.groups.map((groupId) => {
          if (!access.allows(AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
            return {
              errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
              groupId,
              groupState: '',
              protocolType: '',
              protocolData: '',
              members: [],
              authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
            };
          }
          const d = ctx.groups.describeGroup(groupId);
          return {
            errorCode: d.errorCode,
            groupId,
            groupState: d.state,
            protocolType: d.protocolType,
            protocolData: d.protocolName,
            members: d.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              memberMetadata: m.metadata,
              memberAssignment: m.assignment,
            })),
            authorizedOperations:
              context.apiVersion >= 3 && request.includeAuthorizedOperations
                ? access.operations(ResourceType.GROUP, groupId)
                : AUTHORIZED_OPERATIONS_OMITTED,
          };
        }),
      };
    },
  });
}
