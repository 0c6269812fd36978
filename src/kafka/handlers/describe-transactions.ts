// DescribeTransactions (key 65), version 0: state, producer id and epoch, timeout, start time and
// partitions of each transactional id this node coordinates; NOT_COORDINATOR for an id it does
// not, COORDINATOR_LOAD_IN_PROGRESS while its partition loads, TRANSACTIONAL_ID_NOT_FOUND (105) for
// an id it has no state for.
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { notAuthorized } from './authorization.js';
import { defineHandler } from '../handler.js';
import type {
  DescribeTransactionsRequest,
  DescribeTransactionsResponse,
  DescribeTransactionsTopicData,
} from '../protocol/messages/describe-transactions.js';

export function describeTransactionsHandler(ctx: BrokerContext) {
  return defineHandler<DescribeTransactionsRequest, DescribeTransactionsResponse>({
    apiKey: 65,
    name: 'DescribeTransactions',
    minVersion: 0,
    maxVersion: 0,
    handle(request, context) {
      const access = ctx.authorizer.access(context);
      const transactionStates = request.transactionalIds.map((id) => {
        if (!access.allows(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)) {
          return {
            errorCode: notAuthorized(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id).code,
            transactionalId: id,
            transactionState: '',
            transactionTimeoutMs: 0,
            transactionStartTimeMs: -1,
            producerId: -1,
            producerEpoch: -1,
            topics: [],
          };
        }
        const d = ctx.transactions.describe(id);
        const topics = new Map<string, DescribeTransactionsTopicData>();
        for (const { topic, partition } of d.partitions) {
          const entry = topics.get(topic) ?? { topic, partitions: [] };
          entry.partitions.push(partition);
          topics.set(topic, entry);
        }
        return {
          errorCode: d.errorCode,
          transactionalId: id,
          transactionState: d.state,
          transactionTimeoutMs: d.transactionTimeoutMs,
          transactionStartTimeMs: d.transactionStartTimeMs,
          producerId: d.producerId,
          producerEpoch: d.producerEpoch,
          topics: [...topics.values()],
        };
      });
      return { throttleTimeMs: 0, transactionStates };
    },
  });
}
