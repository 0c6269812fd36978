// ListOffsets (key 2), versions 0-6. timestamp -1 = latest: the high watermark, or with
// isolation_level read_committed (v2+) the last stable offset; -2 = earliest (log start);
// otherwise the first offset whose timestamp is at or after the given one, if it lies below that
// same bound (offset -1 when none). v0 answers in `oldStyleOffsets`. Latest answers
// OFFSET_NOT_AVAILABLE (retriable) while a new leader's high watermark is below its epoch start.
// Each topic needs DESCRIBE, else its partitions get TOPIC_AUTHORIZATION_FAILED.
import { ErrorCode, KafkaError } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { Replica } from '../../replication/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  ListOffsetsPartitionResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
} from '../protocol/messages/list-offsets.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';
import { leaderFor } from './partition-access.js';

const LATEST = -1;
const EARLIEST = -2;
const READ_COMMITTED = 1;

async function lookup(
  partition: Replica,
  timestamp: number,
  readCommitted: boolean,
): Promise<{ offset: number; timestamp: number }> {
  const lastFetchable = readCommitted ? partition.lastStableOffset : partition.highWatermark;
  if (timestamp === LATEST) {
    // A new leader's high watermark may still trail what the previous one acknowledged (KIP-207).
    if (partition.highWatermark < partition.epochStartOffset) {
      throw new KafkaError(
        ErrorCode.OFFSET_NOT_AVAILABLE,
        `the high watermark has not reached the epoch start ${partition.epochStartOffset} yet`,
      );
    }
    return { offset: lastFetchable, timestamp: -1 };
  }
  if (timestamp === EARLIEST) return { offset: partition.logStartOffset, timestamp: -1 };
  const found = await partition.log.offsetForTimestamp(timestamp);
  if (!found || found.offset >= lastFetchable) return { offset: -1, timestamp: -1 };
  return found;
}

export function listOffsetsHandler(ctx: BrokerContext) {
  return defineHandler<ListOffsetsRequest, ListOffsetsResponse>({
    apiKey: 2,
    name: 'ListOffsets',
    minVersion: 0,
    maxVersion: 6,
    async handle(request, context) {
      const readCommitted = context.apiVersion >= 2 && request.isolationLevel === READ_COMMITTED;
      const access = ctx.authorizer.access(context);
      const topics = await Promise.all(
        request.topics.map(async (topic) => ({
          name: topic.name,
          partitions: await Promise.all(
            topic.partitions.map(async (p): Promise<ListOffsetsPartitionResponse> => {
              const base = {
                partitionIndex: p.partitionIndex,
                oldStyleOffsets: [],
                timestamp: -1,
                offset: -1,
                leaderEpoch: -1,
              };
              try {
                if (!access.allows(AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name)) {
                  throw notAuthorized(AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name);
                }
                const partition = leaderFor(ctx, topic.name, p.partitionIndex, p.currentLeaderEpoch);
                const found = await lookup(partition, p.timestamp, readCommitted);
                if (context.apiVersion === 0) {
                  const offsets = found.offset >= 0 && p.maxNumOffsets > 0 ? [found.offset] : [];
                  return { ...base, errorCode: ErrorCode.NONE, oldStyleOffsets: offsets };
                }
                return {
                  ...base,
                  errorCode: ErrorCode.NONE,
                  offset: found.offset,
                  timestamp: found.timestamp,
                  leaderEpoch: partition.leaderEpoch,
                };
              } catch (err) {
                return { ...base, errorCode: errorOf(err, ctx.log).errorCode };
              }
            }),
          ),
        })),
      );
      return { throttleTimeMs: 0, topics };
    },
  });
}
