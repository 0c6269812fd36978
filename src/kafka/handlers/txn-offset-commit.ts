// TxnOffsetCommit (key 28), versions 0-3: a transactional producer commits a consumer group's
// offsets inside its transaction (sendOffsetsToTransaction). The transaction coordinator's word
// comes first (TransactionVerifier.verifyOffsetCommit: did AddOffsetsToTxn add this group?); then
// the group coordinator writes the offsets to __consumer_offsets as the producer's transactional
// records (a fenced producer epoch is refused there with INVALID_PRODUCER_EPOCH) and holds them
// pending: OffsetFetch shows them only once the producer's COMMIT marker lands on the partition
// (WriteTxnMarkers), and never after an ABORT. v3 adds the member id, group instance id and
// generation (KIP-447), checked like OffsetCommit's: UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID,
// ILLEGAL_GENERATION. v4 (TRANSACTION_ABORTABLE, KIP-890 part 2) is not served.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { notAuthorized } from './authorization.js';
import { defineHandler } from '../handler.js';
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../protocol/messages/txn-offset-commit.js';
import { errorOf } from './common.js';
import { byTopic } from './group-common.js';

export function txnOffsetCommitHandler(ctx: BrokerContext) {
  return defineHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
    apiKey: 28,
    name: 'TxnOffsetCommit',
    minVersion: 0,
    maxVersion: 3,
    async handle(request, context) {
      const version = context.apiVersion;
      const offsets = request.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: version >= 2 ? p.committedLeaderEpoch : -1,
          metadata: p.committedMetadata,
        })),
      );
      const answer = (results: readonly { topic: string; partition: number; errorCode: number }[]) => ({
        throttleTimeMs: 0,
        topics: byTopic(results, (r) => ({ partitionIndex: r.partition, errorCode: r.errorCode })),
      });
      const access = ctx.authorizer.access(context);
      if (!access.allows(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
        const code = notAuthorized(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId).code;
        return answer(offsets.map((o) => ({ ...o, errorCode: code })));
      }
      if (!access.allows(AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        const code = notAuthorized(AclOperation.READ, ResourceType.GROUP, request.groupId).code;
        return answer(offsets.map((o) => ({ ...o, errorCode: code })));
      }
      const unreadable = offsets.filter((o) => !access.allows(AclOperation.READ, ResourceType.TOPIC, o.topic));
      if (unreadable.length > 0) {
        return answer(
          offsets.map((o) => ({
            ...o,
            errorCode: access.allows(AclOperation.READ, ResourceType.TOPIC, o.topic)
              ? ErrorCode.OPERATION_NOT_ATTEMPTED
              : notAuthorized(AclOperation.READ, ResourceType.TOPIC, o.topic).code,
          })),
        );
      }
      let verdict: number;
      try {
        verdict = await ctx.transactionVerifier.verifyOffsetCommit({
          transactionalId: request.transactionalId,
          producerId: request.producerId,
          producerEpoch: request.producerEpoch,
          groupId: request.groupId,
        });
      } catch (err) {
        verdict = errorOf(err, ctx.log).errorCode;
      }
      if (verdict !== ErrorCode.NONE) return answer(offsets.map((o) => ({ ...o, errorCode: verdict })));
      const results = await ctx.groups.commitTransactionalOffsets({
        groupId: request.groupId,
        producerId: request.producerId,
        producerEpoch: request.producerEpoch,
        generationId: version >= 3 ? request.generationId : -1,
        memberId: version >= 3 ? request.memberId : '',
        groupInstanceId: version >= 3 ? request.groupInstanceId : null,
        offsets,
      });
      return answer(results);
    },
  });
}
