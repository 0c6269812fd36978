// InitProducerId (key 22), versions 0-4, for idempotent producers (no transactional id): every
// call gets a fresh producer id at epoch 0, from blocks reserved in the metadata log, as Kafka does
// for a null transactional id. Transactions are not supported: a transactional id is refused.
// Authorization as Kafka's (KIP-679): WRITE on the transactional id when there is one
// (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), else IDEMPOTENT_WRITE on the cluster or WRITE on some
// topic (CLUSTER_AUTHORIZATION_FAILED).
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/messages/init-producer-id.js';
import { errorOf } from './common.js';

export function initProducerIdHandler(ctx: BrokerContext) {
  return defineHandler<InitProducerIdRequest, InitProducerIdResponse>({
    apiKey: 22,
    name: 'InitProducerId',
    minVersion: 0,
    maxVersion: 4,
    async handle(request, context) {
      const access = ctx.authorizer.access(context);
      const refused = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 });
      if (request.transactionalId !== null) {
        if (!access.allows(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
          return refused(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, producerId: -1, producerEpoch: -1 };
      }
      if (
        !access.allowsCluster(AclOperation.IDEMPOTENT_WRITE) &&
        !access.allowsAny(AclOperation.WRITE, ResourceType.TOPIC)
      ) {
        return refused(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      }
      try {
        const producerId = await ctx.producerIds.allocate();
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
      } catch (err) {
        return { throttleTimeMs: 0, errorCode: errorOf(err, ctx.log).errorCode, producerId: -1, producerEpoch: -1 };
      }
    },
  });
}
