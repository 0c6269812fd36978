// The Kafka APIs brokers send each other over the inter-broker channel, each answered by the same
// function as its Kafka handler: WriteTxnMarkers (27, v0-1) from transaction coordinators, and
// AddPartitionsToTxn v4 (24) from partition leaders verifying a transaction (KIP-890 part 1).
// `context` returns the node's BrokerContext once it is built; the gRPC service is registered
// before (the port must listen for this broker to register), and calls arriving meanwhile are
// answered BROKER_NOT_AVAILABLE, which the callers retry.
import { ErrorCode, KafkaError } from '../../common/index.js';
import type { BrokerContext } from '../broker-context.js';
import { answerAddPartitionsToTxn } from '../handlers/add-partitions-to-txn.js';
import { appendTxnMarkers } from '../handlers/write-txn-markers.js';
import type { AddPartitionsToTxnRequest } from '../protocol/messages/add-partitions-to-txn.js';
import type { WriteTxnMarkersRequest } from '../protocol/messages/write-txn-markers.js';
import type { InterBrokerServe } from './channel.js';

export const WRITE_TXN_MARKERS_KEY = 27;
/** The first flexible version, the one brokers send. */
export const WRITE_TXN_MARKERS_VERSION = 1;
export const ADD_PARTITIONS_TO_TXN_KEY = 24;
/** The first version with verifyOnly. */
export const ADD_PARTITIONS_TO_TXN_VERIFY_VERSION = 4;

export function interBrokerApis(
  context: () => BrokerContext | null,
): ReadonlyMap<number, { minVersion: number; maxVersion: number; serve: InterBrokerServe }> {
  const ready = (): BrokerContext => {
    const ctx = context();
    if (!ctx) throw new KafkaError(ErrorCode.BROKER_NOT_AVAILABLE, 'this broker is still starting');
    return ctx;
  };
  return new Map([
    [
      WRITE_TXN_MARKERS_KEY,
      {
        minVersion: 0,
        maxVersion: 1,
        serve: (request: object) => appendTxnMarkers(ready(), request as WriteTxnMarkersRequest),
      },
    ],
    [
      ADD_PARTITIONS_TO_TXN_KEY,
      {
        minVersion: ADD_PARTITIONS_TO_TXN_VERIFY_VERSION,
        maxVersion: ADD_PARTITIONS_TO_TXN_VERIFY_VERSION,
        serve: (request: object, version: number) =>
          answerAddPartitionsToTxn(ready(), request as AddPartitionsToTxnRequest, version),
      },
    ],
  ]);
}
