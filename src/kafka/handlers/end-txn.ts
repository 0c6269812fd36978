// EndTxn (key 26), versions 0-4: commit or abort the producer's transaction. Answered once
// PrepareCommit (PrepareAbort) is durable in __transaction_state; the coordinator then writes the
// markers and completes the transaction, and the id's next transaction waits for that
// (CONCURRENT_TRANSACTIONS). A retry after the end gets NONE; the wrong outcome for the state
// INVALID_TXN_STATE; PRODUCER_FENCED from v2, INVALID_PRODUCER_EPOCH before. v5 (transaction
// version 2) is not served: no feature level for it is advertised.
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { notAuthorized } from './authorization.js';
import { defineHandler } from '../handler.js';
import type { EndTxnRequest, EndTxnResponse } from '../protocol/messages/end-txn.js';
import { forVersion } from './txn-errors.js';

const PRODUCER_FENCED_FROM_VERSION = 2;

export function endTxnHandler(ctx: BrokerContext) {
  return defineHandler<EndTxnRequest, EndTxnResponse>({
    apiKey: 26,
    name: 'EndTxn',
    minVersion: 0,
    maxVersion: 4,
    async handle(request, context) {
      if (
        !ctx.authorizer
          .access(context)
          .allows(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)
      ) {
        const denied = notAuthorized(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId);
        return { throttleTimeMs: 0, errorCode: denied.code, producerId: -1, producerEpoch: -1 };
      }
      const errorCode = await ctx.transactions.endTxn(
        request.transactionalId,
        request.producerId,
        request.producerEpoch,
        request.committed,
      );
      return {
        throttleTimeMs: 0,
        errorCode: forVersion(errorCode, context.apiVersion, PRODUCER_FENCED_FROM_VERSION),
        producerId: -1,
        producerEpoch: -1,
      };
    },
  });
}
