// Transaction markers: the control records that end a transaction on a partition (Kafka's
// ControlRecordType and EndTransactionMarker). A marker is a batch of its own with the control
// and transactional attributes, the producer id and epoch of the transaction, baseSequence -1 and
// one record:
//   key   = int16 version (0), int16 type (0 ABORT, 1 COMMIT; other types are not markers)
//   value = int16 version (0), int32 coordinator epoch
// Newer key or value versions are read by their version-0 prefix, as Kafka does.
import { ErrorCode } from '../common/index.js';
import { buildRecordBatch, decodeRecords } from './record-codec.js';
import {
  InvalidBatchError,
  NO_SEQUENCE,
  isControlBatch,
  isTransactionalBatch,
  readBatchHeader,
} from './record-batch.js';

export const ControlRecordType = { abort: 0, commit: 1 } as const;

const CONTROL_KEY_VERSION = 0;
const MARKER_VALUE_VERSION = 0;
const CONTROL_KEY_BYTES = 4;
const MARKER_VALUE_BYTES = 6;

/** What a COMMIT or ABORT marker says. */
export interface TxnMarker {
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
}

export interface MarkerBatchOptions {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
  readonly timestampMs: number;
}

/** The control batch a leader appends for WriteTxnMarkers (offsets are assigned on append). */
export function buildMarkerBatch(options: MarkerBatchOptions): Buffer {
  const key = Buffer.alloc(CONTROL_KEY_BYTES);
  key.writeInt16BE(CONTROL_KEY_VERSION, 0);
  key.writeInt16BE(options.committed ? ControlRecordType.commit : ControlRecordType.abort, 2);
  const value = Buffer.alloc(MARKER_VALUE_BYTES);
  value.writeInt16BE(MARKER_VALUE_VERSION, 0);
  value.writeInt32BE(options.coordinatorEpoch, 2);
  return buildRecordBatch([{ key, value, timestamp: options.timestampMs }], {
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    baseSequence: NO_SEQUENCE,
    transactional: true,
    control: true,
  });
}

/**
 * The marker a control batch carries, or null when the batch is not a transaction marker (a
 * data batch, a control batch of another type, or one emptied by compaction). A control batch
 * that claims to be a marker but does not parse is CORRUPT_MESSAGE.
 */
export function readMarker(batch: Buffer): TxnMarker | null {
  const header = readBatchHeader(batch);
  if (!isControlBatch(header.attributes) || !isTransactionalBatch(header.attributes)) return null;
  if (header.recordsCount === 0) return null;
  const record = decodeRecords(batch)[0];
  if (record === undefined || record.key === null || record.key.length < CONTROL_KEY_BYTES) {
    throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, 'control record without a whole key');
  }
  const type = record.key.readInt16BE(2);
  if (type !== ControlRecordType.abort && type !== ControlRecordType.commit) return null;
  if (record.value === null || record.value.length < MARKER_VALUE_BYTES) {
    throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, 'transaction marker without a whole value');
  }
  return { committed: type === ControlRecordType.commit, coordinatorEpoch: record.value.readInt32BE(2) };
}
