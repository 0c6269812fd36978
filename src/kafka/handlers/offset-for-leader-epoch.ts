// OffsetForLeaderEpoch (key 23), versions 0-4 (KIP-101/320). For a requested epoch: the largest
// epoch at or below it that this leader's log knows, and where it ends (the start of the next
// epoch, or the log end for the current one). Clients use it to detect a truncated log. Each topic
// needs DESCRIBE, else its partitions get TOPIC_AUTHORIZATION_FAILED.
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
} from '../protocol/messages/offset-for-leader-epoch.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';
import { leaderFor } from './partition-access.js';

export function offsetForLeaderEpochHandler(ctx: BrokerContext) {
  return defineHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
    apiKey: 23,
    name: 'OffsetForLeaderEpoch',
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      const access = ctx.authorizer.access(context);
      const topics = request.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((p) => {
          try {
            if (!access.allows(AclOperation.DESCRIBE, ResourceType.TOPIC, topic.topic)) {
              throw notAuthorized(AclOperation.DESCRIBE, ResourceType.TOPIC, topic.topic);
            }
            const partition = leaderFor(ctx, topic.topic, p.partition, p.currentLeaderEpoch);
            const found = partition.log.endOffsetForEpoch(p.leaderEpoch);
            return { errorCode: 0, partition: p.partition, leaderEpoch: found.epoch, endOffset: found.endOffset };
          } catch (err) {
            return {
              errorCode: errorOf(err, ctx.log).errorCode,
              partition: p.partition,
              leaderEpoch: -1,
              endOffset: -1,
            };
          }
        }),
      }));
      return { throttleTimeMs: 0, topics };
    },
  });
}
