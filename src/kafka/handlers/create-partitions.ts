// CreatePartitions (key 37), versions 0-3. Grows a topic to a new total count; forwarded to the
// controller and answered once committed. Every topic of the request gets a result. Each topic
// needs ALTER, else TOPIC_AUTHORIZATION_FAILED.
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../protocol/messages/create-partitions.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';

export function createPartitionsHandler(ctx: BrokerContext) {
  return defineHandler<CreatePartitionsRequest, CreatePartitionsResponse>({
    apiKey: 37,
    name: 'CreatePartitions',
    minVersion: 0,
    maxVersion: 3,
    async handle(request, context) {
      const access = ctx.authorizer.access(context);
      const results = await Promise.all(
        request.topics.map(async (topic) => {
          try {
            if (!access.allows(AclOperation.ALTER, ResourceType.TOPIC, topic.name)) {
              throw notAuthorized(AclOperation.ALTER, ResourceType.TOPIC, topic.name);
            }
            const assignments = topic.assignments?.map((a) => a.brokerIds);
            await ctx.admin.createPartitions(topic.name, topic.count, assignments, request.validateOnly);
            return { name: topic.name, errorCode: 0, errorMessage: null };
          } catch (err) {
            return { name: topic.name, ...errorOf(err, ctx.log) };
          }
        }),
      );
      return { throttleTimeMs: 0, results };
    },
  });
}
