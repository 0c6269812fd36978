// AddOffsetsToTxn (key 25), versions 0-4: the group's __consumer_offsets partition joins the
// producer's transaction, so the TxnOffsetCommit that follows (to the group coordinator) commits
// or vanishes with it. Errors as AddPartitionsToTxn's; PRODUCER_FENCED from v2.
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { notAuthorized } from './authorization.js';
import { defineHandler } from '../handler.js';
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../protocol/messages/add-offsets-to-txn.js';
import { forVersion } from './txn-errors.js';

const PRODUCER_FENCED_FROM_VERSION = 2;

export function addOffsetsToTxnHandler(ctx: BrokerContext) {
  return defineHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>({
    apiKey: 25,
    name: 'AddOffsetsToTxn',
    minVersion: 0,
    maxVersion: 4,
    async handle(request, context) {
      const access = ctx.authorizer.access(context);
      if (!access.allows(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
        const denied = notAuthorized(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId);
        return { throttleTimeMs: 0, errorCode: denied.code };
      }
      if (!access.allows(AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        return {
          throttleTimeMs: 0,
          errorCode: notAuthorized(AclOperation.READ, ResourceType.GROUP, request.groupId).code,
        };
      }
      const errorCode = await ctx.transactions.addOffsets(
        request.transactionalId,
        request.producerId,
        request.producerEpoch,
        request.groupId,
      );
      return { throttleTimeMs: 0, errorCode: forVersion(errorCode, context.apiVersion, PRODUCER_FENCED_FROM_VERSION) };
    },
  });
}
