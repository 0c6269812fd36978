// DeleteTopics (key 20), versions 0-6. v6 may name topics by id. Forwarded to the controller;
// answered once the deletion is committed. Logs are removed by each replica afterwards.
import { ErrorCode, KafkaError } from '../../common/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  DeletableTopicResult,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
} from '../protocol/messages/delete-topics.js';
import { errorOf } from './common.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function deleteTopicsHandler(ctx: BrokerContext) {
  return defineHandler<DeleteTopicsRequest, DeleteTopicsResponse>({
    apiKey: 20,
    name: 'DeleteTopics',
    minVersion: 0,
    maxVersion: 6,
    async handle(request, context) {
      const targets =
        context.apiVersion >= 6
          ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
          : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
      const responses = await Promise.all(
        targets.map(async (target): Promise<DeletableTopicResult> => {
          let name = target.name;
          let topicId = target.topicId;
          try {
            if (name === null || name === '') {
              const byId = ctx.metadata.state.topicById(topicId);
              if (!byId) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_ID, `unknown topic id ${topicId}`);
              name = byId.name;
            } else {
              topicId = ctx.metadata.state.topic(name)?.topicId ?? ZERO_UUID;
            }
            await ctx.admin.deleteTopic(name);
            return { name, topicId, errorCode: ErrorCode.NONE, errorMessage: null };
          } catch (err) {
            return { name, topicId, ...errorOf(err, ctx.log) };
          }
        }),
      );
      return { throttleTimeMs: 0, responses };
    },
  });
}
