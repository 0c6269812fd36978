// ListTransactions (key 66), versions 0-1: the transactional ids this node coordinates, filtered by
// state name and producer id (v1: and by how long the transaction has run). State names that are
// not states come back in unknownStateFilters. COORDINATOR_LOAD_IN_PROGRESS while a partition loads.
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { ListTransactionsRequest, ListTransactionsResponse } from '../protocol/messages/list-transactions.js';

export function listTransactionsHandler(ctx: BrokerContext) {
  return defineHandler<ListTransactionsRequest, ListTransactionsResponse>({
    apiKey: 66,
    name: 'ListTransactions',
    minVersion: 0,
    maxVersion: 1,
    handle(request, context) {
      const access = ctx.authorizer.access(context);
      const listed = ctx.transactions.list({
        states: request.stateFilters,
        producerIds: request.producerIdFilters,
        durationMs: context.apiVersion >= 1 ? request.durationFilter : -1,
      });
      return {
        throttleTimeMs: 0,
        errorCode: listed.errorCode,
        unknownStateFilters: listed.unknownStateFilters,
        // As Kafka: only the ids the principal may DESCRIBE are listed.
        transactionStates: listed.transactions
          .filter((t) => access.allows(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, t.transactionalId))
          .map((t) => ({
            transactionalId: t.transactionalId,
            producerId: t.producerId,
            transactionState: t.state,
          })),
      };
    },
  });
}
