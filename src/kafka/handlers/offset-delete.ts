// OffsetDelete (key 47), version 0. Deletes a group's committed offsets for topics it does not
// consume: GROUP_SUBSCRIBED_TO_TOPIC (86) per partition of a topic the group's members subscribe
// to; GROUP_ID_NOT_FOUND (69) for an unknown group.
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
    async handle(request) {
      const result = await ctx.groups.deleteOffsets(
        request.groupId,
        request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex }))),
      );
      return {
        errorCode: result.errorCode,
        throttleTimeMs: 0,
        topics: byTopic(result.partitions, (r) => ({ partitionIndex: r.partition, errorCode: r.errorCode })),
      };
    },
  });
}
