// AddPartitionsToTxn (key 24), versions 0-4. v0-3 (clients): the partitions join the producer's
// transaction, which starts with the first; one error for all of them, unless some partition does
// not exist (UNKNOWN_TOPIC_OR_PARTITION) or is internal (INVALID_TOPIC_EXCEPTION), in which case
// those get that error and the others OPERATION_NOT_ATTEMPTED. v4 (brokers, KIP-890 part 1): a
// batch of transactions, each either added the same way or, with verifyOnly, checked: NONE for a
// partition in the producer's ongoing transaction, INVALID_TXN_STATE for one that is not. Partition
// leaders of this cluster ask over the inter-broker channel with the same request
// (src/kafka/inter-broker/). PRODUCER_FENCED from v2, INVALID_PRODUCER_EPOCH before.
import { ErrorCode } from '../../common/index.js';
import type { PartitionError, TopicPartition } from '../../transactions/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { notAuthorized } from './authorization.js';
import { defineHandler } from '../handler.js';
import type {
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse,
  AddPartitionsToTxnTopic,
  AddPartitionsToTxnTopicResult,
} from '../protocol/messages/add-partitions-to-txn.js';
import { forVersion } from './txn-errors.js';

const PRODUCER_FENCED_FROM_VERSION = 2;

function flatten(topics: readonly AddPartitionsToTxnTopic[]): TopicPartition[] {
  return topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
}

function byTopic(results: readonly PartitionError[], apiVersion: number): AddPartitionsToTxnTopicResult[] {
  const topics = new Map<string, AddPartitionsToTxnTopicResult>();
  for (const r of results) {
    const entry = topics.get(r.topic) ?? { name: r.topic, resultsByPartition: [] };
    entry.resultsByPartition.push({
      partitionIndex: r.partition,
      partitionErrorCode: forVersion(r.errorCode, apiVersion, PRODUCER_FENCED_FROM_VERSION),
    });
    topics.set(r.topic, entry);
  }
  return [...topics.values()];
}

/** A partition that cannot be in a transaction: missing, or an internal topic. */
function refusal(ctx: BrokerContext, p: TopicPartition): ErrorCode | null {
  if (p.topic.startsWith('__')) return ErrorCode.INVALID_TOPIC_EXCEPTION;
  const info = ctx.metadata.state.topic(p.topic);
  if (!info || p.partition < 0 || p.partition >= info.partitions.length) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  return null;
}

async function add(
  ctx: BrokerContext,
  transactionalId: string,
  producerId: number,
  producerEpoch: number,
  partitions: readonly TopicPartition[],
): Promise<PartitionError[]> {
  const refused = partitions.map((p) => refusal(ctx, p));
  if (refused.some((code) => code !== null)) {
    return partitions.map((p, i) => ({ ...p, errorCode: refused[i] ?? ErrorCode.OPERATION_NOT_ATTEMPTED }));
  }
  const errorCode = await ctx.transactions.addPartitions(transactionalId, producerId, producerEpoch, partitions);
  return partitions.map((p) => ({ ...p, errorCode }));
}

/** The answer to a request of `apiVersion`: what the handler sends, and what the inter-broker channel carries. */
export async function answerAddPartitionsToTxn(
  ctx: BrokerContext,
  request: AddPartitionsToTxnRequest,
  apiVersion: number,
): Promise<AddPartitionsToTxnResponse> {
  const base = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
  if (apiVersion < 4) {
    const results = await add(
      ctx,
      request.v3AndBelowTransactionalId,
      request.v3AndBelowProducerId,
      request.v3AndBelowProducerEpoch,
      flatten(request.v3AndBelowTopics),
    );
    return { ...base, resultsByTopicV3AndBelow: byTopic(results, apiVersion) };
  }
  const resultsByTransaction = await Promise.all(
    request.transactions.map(async (txn) => {
      const partitions = flatten(txn.topics);
      const results = txn.verifyOnly
        ? ctx.transactions.verify(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions)
        : await add(ctx, txn.transactionalId, txn.producerId, txn.producerEpoch, partitions);
      return { transactionalId: txn.transactionalId, topicResults: byTopic(results, apiVersion) };
    }),
  );
  return { ...base, resultsByTransaction };
}

export function addPartitionsToTxnHandler(ctx: BrokerContext) {
  return defineHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>({
    apiKey: 24,
    name: 'AddPartitionsToTxn',
    minVersion: 0,
    maxVersion: 4,
    handle: (request, context) => {
      const access = ctx.authorizer.access(context);
      if (context.apiVersion >= 4) {
        // v4 is the brokers' batched form (KIP-890): CLUSTER_ACTION on the cluster, as in Kafka.
        if (!access.allowsCluster(AclOperation.CLUSTER_ACTION)) {
          const denied = notAuthorized(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER);
          return { throttleTimeMs: 0, errorCode: denied.code, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
        }
        return answerAddPartitionsToTxn(ctx, request, context.apiVersion);
      }
      const partitions = flatten(request.v3AndBelowTopics);
      const id = request.v3AndBelowTransactionalId;
      const idAllowed = access.allows(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, id);
      const writable = (topic: string) => access.allows(AclOperation.WRITE, ResourceType.TOPIC, topic);
      if (idAllowed && partitions.every((p) => writable(p.topic))) {
        return answerAddPartitionsToTxn(ctx, request, context.apiVersion);
      }
      // Refused as a whole: the id's error on every partition, else each unwritable topic's error and
      // OPERATION_NOT_ATTEMPTED for the rest, as Kafka answers.
      const results = partitions.map((p) => ({
        ...p,
        errorCode: !idAllowed
          ? notAuthorized(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, id).code
          : writable(p.topic)
            ? ErrorCode.OPERATION_NOT_ATTEMPTED
            : notAuthorized(AclOperation.WRITE, ResourceType.TOPIC, p.topic).code,
      }));
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        resultsByTransaction: [],
        resultsByTopicV3AndBelow: byTopic(results, context.apiVersion),
      };
    },
  });
}
