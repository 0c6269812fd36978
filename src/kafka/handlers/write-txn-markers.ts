// WriteTxnMarkers (key 27), versions 0-1: the transaction coordinator's request, sent to the
// leader of each partition a finished transaction wrote to, as in Kafka. The interface the
// coordinator codes against (also in docs/architecture.md, "Transactions: the partition side"):
//  * per marker and partition the leader appends one control batch (storage/control-record.ts:
//    attributes control + transactional, the marker's producer id and epoch, baseSequence -1,
//    key version 0 type 0 ABORT / 1 COMMIT, value version 0 + coordinator epoch); it ends that
//    producer's open transaction on the partition, and an ABORT enters the segment's txn index;
//  * NONE is answered only once the batch is durable under the partition's write quorum (the high
//    watermark has passed it, acks=all); after limits.txnMarkerWriteTimeoutMs, REQUEST_TIMED_OUT;
//  * on a __consumer_offsets partition the group coordinator materializes (COMMIT) or drops (ABORT)
//    the producer's TxnOffsetCommit offsets before the answer;
//  * retriable per partition: NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE,
//    UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS (fewer than write.quorum live; nothing
//    appended), REQUEST_TIMED_OUT (the marker may be in the log), KAFKA_STORAGE_ERROR. Sending a
//    marker again is harmless: one for a producer with no open transaction ends nothing;
//  * fatal for the sender: INVALID_PRODUCER_EPOCH (the partition has seen a newer epoch of the
//    producer) and TRANSACTION_COORDINATOR_FENCED (it has a marker from a newer coordinator epoch):
//    the sender is a zombie coordinator.
// A coordinator on the same node may call `appendTxnMarkers` with the request body instead.
import { ErrorCode, KafkaError, limits } from '../../common/index.js';
import { OFFSETS_TOPIC } from '../../groups/index.js';
import type { Replica } from '../../replication/index.js';
import { buildMarkerBatch } from '../../storage/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { notAuthorized } from './authorization.js';
import { defineHandler } from '../handler.js';
import type {
  WritableTxnMarker,
  WritableTxnMarkerPartitionResult,
  WriteTxnMarkersRequest,
  WriteTxnMarkersResponse,
} from '../protocol/messages/write-txn-markers.js';
import { errorOf } from './common.js';
import { leaderFor } from './partition-access.js';

interface Appended {
  readonly index: number;
  readonly partition: Replica;
  readonly markerOffset: number;
  readonly durable: Promise<void>;
}

type Outcome = Appended | { readonly index: number; readonly error: unknown };

function appendMarker(ctx: BrokerContext, marker: WritableTxnMarker, topic: string, index: number): Outcome {
  try {
    const partition = leaderFor(ctx, topic, index);
    if (!partition.canAcceptAcksAll()) {
      throw new KafkaError(
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `fewer than write.quorum replicas of ${topic}-${index} are live`,
      );
    }
    const batch = buildMarkerBatch({
      producerId: marker.producerId,
      producerEpoch: marker.producerEpoch,
      committed: marker.transactionResult,
      coordinatorEpoch: marker.coordinatorEpoch,
      timestampMs: Date.now(),
    });
    const result = partition.append([batch], { origin: 'coordinator', messageCount: 1 });
    const durable = partition.waitForHighWatermark(result.lastOffset + 1, limits.txnMarkerWriteTimeoutMs);
    return { index, partition, markerOffset: result.baseOffset, durable };
  } catch (err) {
    return { index, error: err };
  }
}

/**
 * Appends every marker of the request (synchronously, in request order) and answers once each is
 * durable or failed. What WriteTxnMarkers does, for a coordinator on this node to call directly.
 */
export async function appendTxnMarkers(
  ctx: BrokerContext,
  request: WriteTxnMarkersRequest,
): Promise<WriteTxnMarkersResponse> {
  const appended = request.markers.map((marker) => ({
    marker,
    topics: marker.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((index) => appendMarker(ctx, marker, topic.name, index)),
    })),
  }));
  const markers = await Promise.all(
    appended.map(async ({ marker, topics }) => ({
      producerId: marker.producerId,
      topics: await Promise.all(
        topics.map(async (topic) => ({
          name: topic.name,
          partitions: await Promise.all(
            topic.partitions.map(async (p): Promise<WritableTxnMarkerPartitionResult> => {
              if ('error' in p) return { partitionIndex: p.index, errorCode: errorOf(p.error, ctx.log).errorCode };
              try {
                await p.durable;
                if (topic.name === OFFSETS_TOPIC) {
                  ctx.groups.onTransactionCompleted(
                    p.index,
                    marker.producerId,
                    p.markerOffset,
                    marker.transactionResult,
                  );
                }
                return { partitionIndex: p.index, errorCode: ErrorCode.NONE };
              } catch (err) {
                return { partitionIndex: p.index, errorCode: errorOf(err, ctx.log).errorCode };
              }
            }),
          ),
        })),
      ),
    })),
  );
  return { markers };
}

export function writeTxnMarkersHandler(ctx: BrokerContext) {
  return defineHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponse>({
    apiKey: 27,
    name: 'WriteTxnMarkers',
    minVersion: 0,
    maxVersion: 1,
    // A broker's request: CLUSTER_ACTION on the cluster, as in Kafka (every partition otherwise
    // gets CLUSTER_AUTHORIZATION_FAILED). The coordinators of this cluster send markers over the
    // internal port (appendTxnMarkers), which peer TLS guards instead.
    handle: (request, context) => {
      if (ctx.authorizer.access(context).allowsCluster(AclOperation.CLUSTER_ACTION))
        return appendTxnMarkers(ctx, request);
      const errorCode = notAuthorized(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER).code;
      return {
        markers: request.markers.map((m) => ({
          producerId: m.producerId,
          topics: m.topics.map((t) => ({
            name: t.name,
            partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode })),
          })),
        })),
      };
    },
  });
}
