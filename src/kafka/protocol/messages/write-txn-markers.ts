// WriteTxnMarkers (key 27), versions 0-1, flexible from 1: a transaction coordinator asks a
// partition leader to append the COMMIT or ABORT control batch of (producerId, producerEpoch) to
// each partition named. Kafka 4 drops v0 and adds v2 (TransactionVersion per marker); this table
// is Kafka 3.x's.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface WritableTxnMarkerTopic extends TaggedStruct {
  name: string;
  partitionIndexes: number[];
}

export interface WritableTxnMarker extends TaggedStruct {
  producerId: number;
  producerEpoch: number;
  /** false = ABORT, true = COMMIT. */
  transactionResult: boolean;
  topics: WritableTxnMarkerTopic[];
  /** The epoch of the __transaction_state partition its coordinator leads. */
  coordinatorEpoch: number;
}

export interface WriteTxnMarkersRequest extends TaggedStruct {
  markers: WritableTxnMarker[];
}

export interface WritableTxnMarkerPartitionResult extends TaggedStruct {
  partitionIndex: number;
  errorCode: number;
}

export interface WritableTxnMarkerTopicResult extends TaggedStruct {
  name: string;
  partitions: WritableTxnMarkerPartitionResult[];
}

export interface WritableTxnMarkerResult extends TaggedStruct {
  producerId: number;
  topics: WritableTxnMarkerTopicResult[];
}

export interface WriteTxnMarkersResponse extends TaggedStruct {
  markers: WritableTxnMarkerResult[];
}

const request: MessageSchema = {
  name: 'WriteTxnMarkersRequest',
  apiKey: 27,
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    f.array('markers', '0+', [
      f.int64('producerId', '0+'),
      f.int16('producerEpoch', '0+'),
      f.bool('transactionResult', '0+'),
      f.array('topics', '0+', [f.string('name', '0+'), f.array('partitionIndexes', '0+', 'int32')]),
      f.int32('coordinatorEpoch', '0+'),
    ]),
  ],
};

const response: MessageSchema = {
  name: 'WriteTxnMarkersResponse',
  apiKey: 27,
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    f.array('markers', '0+', [
      f.int64('producerId', '0+'),
      f.array('topics', '0+', [
        f.string('name', '0+'),
        f.array('partitions', '0+', [f.int32('partitionIndex', '0+'), f.int16('errorCode', '0+')]),
      ]),
    ]),
  ],
};

export const writeTxnMarkersApi: ApiSchema = { apiKey: 27, name: 'WriteTxnMarkers', request, response };
