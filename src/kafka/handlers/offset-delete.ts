// OffsetDelete (key 47), version 0. Deletes a group's committed offsets for topics it does not
// consume: GROUP_SUBSCRIBED_TO_TOPIC (86) per partition of a topic the group's members subscribe
// to; GROUP_ID_NOT_FOUND (69) for an unknown group. The group needs DELETE (else
// GROUP_AUTHORIZATION_FAILED), each topic READ (else TOPIC_AUTHORIZATION_FAILED per partition).
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../protocol/messages/offset-delete.js';
import { byTopic } from './group-common.js';

export function offsetDeleteHandler(ctx: BrokerContext) {
  return defineHandler<OffsetDeleteRequest, OffsetDeleteResponse>({
    apiKey: 47,
    name: 'OffsetDelete',
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context) {
      const access = ctx.authorizer.access(context);
      if (!access.allows(AclOperation.DELETE, ResourceType.GROUP, request.groupId)) {
        return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
      }
      const partitions = request.topics.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })),
      );
      const readable = (topic: string) => access.allows(AclOperation.READ, ResourceType.TOPIC, topic);
      const allowed = partitions.filter((p) => readable(p.topic));
      const result =
        allowed.length > 0 || partitions.length === 0
          ? await ctx.groups.deleteOffsets(request.groupId, allowed)
          : { errorCode: ErrorCode.NONE, partitions: [] };
      const refused = partitions
        .filter((p) => !readable(p.topic))
        .map((p) => ({ ...p, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }));
      return {
        errorCode: result.errorCode,
        throttleTimeMs: 0,
        topics: byTopic([...result.partitions, ...refused], (r) => ({
          partitionIndex: r.partition,
          errorCode: r.errorCode,
        })),
      };
    },
  });
}
