// InitProducerId (key 22), versions 0-4, for idempotent producers (no transactional id): every
// call gets a fresh producer id at epoch 0, from blocks reserved in the metadata log, as Kafka does
// for a null transactional id. Transactions are not supported: a transactional id is refused.
import { ErrorCode } from '../../common/index.js';
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
    async handle(request) {
      if (request.transactionalId !== null) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, producerId: -1, producerEpoch: -1 };
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
