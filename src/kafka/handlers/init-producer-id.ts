// InitProducerId (key 22), versions 0-4. Without a transactional id (idempotent producers) every
// call gets a fresh producer id at epoch 0 from blocks reserved in the metadata log, as Kafka does.
// With one, the transaction coordinator of the id answers (src/transactions/coordinator.ts): a new
// producer id for a new id, else an epoch bump that fences the previous producer (its open
// transaction is aborted first: CONCURRENT_TRANSACTIONS until that is done), KIP-360 re-init with
// the producer's current id and epoch (v3+), a new producer id once the epoch is exhausted;
// INVALID_TRANSACTION_TIMEOUT above transaction.max.timeout.ms; PRODUCER_FENCED from v4,
// INVALID_PRODUCER_EPOCH before.
// Authorization as Kafka's (KIP-679): WRITE on the transactional id when there is one
// (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), else IDEMPOTENT_WRITE on the cluster or WRITE on some
// topic (CLUSTER_AUTHORIZATION_FAILED).
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/messages/init-producer-id.js';
import { errorOf } from './common.js';
import { forVersion } from './txn-errors.js';

const PRODUCER_FENCED_FROM_VERSION = 4;

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
        const result = await ctx.transactions.initProducerId({
          transactionalId: request.transactionalId,
          transactionTimeoutMs: request.transactionTimeoutMs,
          producerId: context.apiVersion >= 3 ? request.producerId : -1,
          producerEpoch: context.apiVersion >= 3 ? request.producerEpoch : -1,
        });
        const errorCode = forVersion(result.errorCode, context.apiVersion, PRODUCER_FENCED_FROM_VERSION);
        return { throttleTimeMs: 0, ...result, errorCode };
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
