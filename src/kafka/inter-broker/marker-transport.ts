// How the transaction coordinator's markers reach partition leaders: WriteTxnMarkers v1 to the
// leader's node over the inter-broker channel, or, when this node leads the partition, the same
// function the WriteTxnMarkers handler runs, without the wire.
import type { MarkerRequest, MarkerResult, MarkerTransport } from '../../transactions/index.js';
import type { BrokerContext } from '../broker-context.js';
import { appendTxnMarkers } from '../handlers/write-txn-markers.js';
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../protocol/messages/write-txn-markers.js';
import { WRITE_TXN_MARKERS_KEY, WRITE_TXN_MARKERS_VERSION } from './apis.js';
import type { InterBrokerClient } from './channel.js';

function toRequest(markers: readonly MarkerRequest[]): WriteTxnMarkersRequest {
  return {
    markers: markers.map((m) => {
      const topics = new Map<string, number[]>();
      for (const { topic, partition } of m.partitions) {
        const list = topics.get(topic) ?? [];
        list.push(partition);
        topics.set(topic, list);
      }
      return {
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
        transactionResult: m.committed,
        coordinatorEpoch: m.coordinatorEpoch,
        topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
      };
    }),
  };
}

function fromResponse(response: WriteTxnMarkersResponse): MarkerResult[] {
  return response.markers.flatMap((m) =>
    m.topics.flatMap((t) =>
      t.partitions.map((p) => ({
        producerId: m.producerId,
        topic: t.name,
        partition: p.partitionIndex,
        errorCode: p.errorCode,
      })),
    ),
  );
}

export class KafkaMarkerTransport implements MarkerTransport {
  constructor(
    private readonly nodeId: number,
    private readonly client: InterBrokerClient,
    /** This node's context once built (markers for its own partitions skip the wire). */
    private readonly context: () => BrokerContext | null,
  ) {}

  async writeTxnMarkers(nodeId: number, markers: readonly MarkerRequest[]): Promise<readonly MarkerResult[]> {
    const request = toRequest(markers);
    const ctx = this.context();
    if (nodeId === this.nodeId && ctx) return fromResponse(await appendTxnMarkers(ctx, request));
    const response = await this.client.call<WriteTxnMarkersRequest, WriteTxnMarkersResponse>(
      nodeId,
      WRITE_TXN_MARKERS_KEY,
      WRITE_TXN_MARKERS_VERSION,
      request,
    );
    return fromResponse(response);
  }
}
