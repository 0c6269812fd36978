// DescribeProducers (key 61), version 0 (KIP-664): per partition, every producer its leader's
// producer state tracks, with its epoch, last sequence and timestamp, the coordinator epoch of its
// last marker and the first offset of its open transaction (-1 when none). What
// kafka-transactions.sh describe-producers and find-hanging read. Only the leader answers
// (NOT_LEADER_OR_FOLLOWER elsewhere), as in Kafka.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { notAuthorized } from './authorization.js';
import { defineHandler } from '../handler.js';
import type {
  DescribeProducersPartitionResponse,
  DescribeProducersRequest,
  DescribeProducersResponse,
} from '../protocol/messages/describe-producers.js';
import { errorOf } from './common.js';
import { leaderFor } from './partition-access.js';

export function describeProducersHandler(ctx: BrokerContext) {
  return defineHandler<DescribeProducersRequest, DescribeProducersResponse>({
    apiKey: 61,
    name: 'DescribeProducers',
    minVersion: 0,
    maxVersion: 0,
    handle(request, context) {
      const access = ctx.authorizer.access(context);
      const topics = request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitionIndexes.map((index): DescribeProducersPartitionResponse => {
          try {
            if (!access.allows(AclOperation.READ, ResourceType.TOPIC, topic.name)) {
              throw notAuthorized(AclOperation.READ, ResourceType.TOPIC, topic.name);
            }
            const partition = leaderFor(ctx, topic.name, index);
            return {
              partitionIndex: index,
              errorCode: ErrorCode.NONE,
              errorMessage: null,
              activeProducers: partition.log.describeProducers(),
            };
          } catch (err) {
            const { errorCode, errorMessage } = errorOf(err, ctx.log);
            return { partitionIndex: index, errorCode, errorMessage, activeProducers: [] };
          }
        }),
      }));
      return { throttleTimeMs: 0, topics };
    },
  });
}
