// DeleteTopics (key 20), versions 0-6. v6 may name topics by id. Forwarded to the controller;
// answered once the deletion is committed. Logs are removed by each replica afterwards. Each topic
// needs DELETE (TOPIC_AUTHORIZATION_FAILED, checked before whether it exists); a topic named by id
// that the principal may not DESCRIBE is answered without its name, as Kafka does.
import { ErrorCode, KafkaError } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  DeletableTopicResult,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
} from '../protocol/messages/delete-topics.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function deleteTopicsHandler(ctx: BrokerContext) {
  return defineHandler<DeleteTopicsRequest, DeleteTopicsResponse>({
    apiKey: 20,
    name: 'DeleteTopics',
    minVersion: 0,
    maxVersion: 6,
    async handle(request, context) {
      const access = ctx.authorizer.access(context);
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
              if (!access.allows(AclOperation.DESCRIBE, ResourceType.TOPIC, byId.name)) {
                return {
                  name: null,
                  topicId,
                  ...errorOf(notAuthorized(AclOperation.DESCRIBE, ResourceType.TOPIC), ctx.log),
                };
              }
              name = byId.name;
            } else {
              if (!access.allows(AclOperation.DELETE, ResourceType.TOPIC, name)) {
                throw notAuthorized(AclOperation.DELETE, ResourceType.TOPIC, name);
              }
              topicId = ctx.metadata.state.topic(name)?.topicId ?? ZERO_UUID;
            }
            if (!access.allows(AclOperation.DELETE, ResourceType.TOPIC, name)) {
              throw notAuthorized(AclOperation.DELETE, ResourceType.TOPIC, name);
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
