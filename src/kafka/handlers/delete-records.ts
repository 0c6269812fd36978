// DeleteRecords (key 21), versions 0-2. Moves a partition's log start offset forward (offset -1:
// to the high watermark); whole segments below it are removed. Answers with the new low watermark.
// Each topic needs DELETE, else its partitions get TOPIC_AUTHORIZATION_FAILED.
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { DeleteRecordsRequest, DeleteRecordsResponse } from '../protocol/messages/delete-records.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';
import { leaderFor } from './partition-access.js';

export function deleteRecordsHandler(ctx: BrokerContext) {
  return defineHandler<DeleteRecordsRequest, DeleteRecordsResponse>({
    apiKey: 21,
    name: 'DeleteRecords',
    minVersion: 0,
    maxVersion: 2,
    async handle(request, context) {
      const access = ctx.authorizer.access(context);
      const topics = await Promise.all(
        request.topics.map(async (topic) => ({
          name: topic.name,
          partitions: await Promise.all(
            topic.partitions.map(async (p) => {
              try {
                if (!access.allows(AclOperation.DELETE, ResourceType.TOPIC, topic.name)) {
                  throw notAuthorized(AclOperation.DELETE, ResourceType.TOPIC, topic.name);
                }
                const partition = leaderFor(ctx, topic.name, p.partitionIndex);
                const lowWatermark = await partition.deleteRecordsBefore(p.offset);
                return { partitionIndex: p.partitionIndex, lowWatermark, errorCode: 0 };
              } catch (err) {
                return {
                  partitionIndex: p.partitionIndex,
                  lowWatermark: -1,
                  errorCode: errorOf(err, ctx.log).errorCode,
                };
              }
            }),
          ),
        })),
      );
      return { throttleTimeMs: 0, topics };
    },
  });
}
