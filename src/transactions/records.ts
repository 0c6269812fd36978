// The records of __transaction_state, in Kafka's TransactionLog layout (TransactionLogKey and
// TransactionLogValue from Kafka's transaction-coordinator message definitions), so the topic reads
// like Kafka's:
//   key   = int16 version 0 + TransactionLogKey { TransactionalId }
//   value = int16 version + TransactionLogValue, or null (a tombstone: the id expired).
// Each value is the id's whole state, so replaying a partition and keeping the last value per key
// gives the coordinator's state, and compaction may keep only the last one.
//
// Brook writes value version 1 (flexible), whose tagged fields carry what Kafka's version 0 drops:
// PreviousProducerId (tag 0) holds the producer id before the latest rotation, and tag 100, Brook's
// own, the epoch before the producer's latest KIP-360 bump (Kafka keeps it only in memory, so such
// a retry that spans a coordinator failover is fenced there; here it is answered). Kafka's readers
// skip a tag they do not know. Versions 0 and 1 are read.
import {
  assert,
  concat,
  decodeMessage,
  encodeMessage,
  f,
  type MessageSchema,
  ProtocolError,
  Reader,
  Writer,
} from '../common/index.js';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, parsePartitionKey, partitionKey, type TxnSnapshot } from './metadata.js';
import { TXN_STATE_IDS, TxnState, txnStateOfId } from './state.js';

const KEY_VERSION = 0;
const VALUE_VERSION = 1;
const VALUE_VERSION_MAX = 1;
/** Brook's tag for the last producer epoch; Kafka's own tags are 0-2. */
const LAST_PRODUCER_EPOCH_TAG = 100;

function dataSchema(name: string, validVersions: string, flexibleVersions: string, fields: MessageSchema['fields']) {
  // Standalone structures without an API key; the schema language calls these 'header'.
  const schema: MessageSchema = { name, apiKey: -1, type: 'header', validVersions, flexibleVersions, fields };
  return schema;
}

const keySchema = dataSchema('TransactionLogKey', '0', 'none', [f.string('transactionalId', '0')]);

const valueSchema = dataSchema('TransactionLogValue', '0-1', '1+', [
  f.int64('producerId', '0+'),
  f.int64('previousProducerId', '1+', { tag: 0, taggedVersions: '1+', default: -1 }),
  f.int64('nextProducerId', '1+', { tag: 1, taggedVersions: '1+', default: -1 }),
  f.int16('producerEpoch', '0+'),
  f.int32('transactionTimeoutMs', '0+'),
  f.int8('transactionStatus', '0+'),
  f.array('transactionPartitions', '0+', [f.string('topic', '0+'), f.array('partitionIds', '0+', 'int32')], {
    nullableVersions: '0+',
  }),
  f.int64('transactionLastUpdateTimestampMs', '0+'),
  f.int64('transactionStartTimestampMs', '0+'),
  f.int16('clientTransactionVersion', '1+', { tag: 2, taggedVersions: '1+', default: 0 }),
  f.int16('lastProducerEpoch', '1+', { tag: LAST_PRODUCER_EPOCH_TAG, taggedVersions: '1+', default: -1 }),
]);

/** One record of __transaction_state: an id's state, or null once it expired. */
export interface TxnLogRecord {
  readonly transactionalId: string;
  readonly value: TxnSnapshot | null;
}

function encodeVersioned(schema: MessageSchema, version: number, body: object): Buffer {
  const writer = new Writer(64);
  writer.int16(version);
  encodeMessage(schema, version, body, writer);
  return concat(writer.finish());
}

export function encodeTxnLogRecord(record: TxnLogRecord): { key: Buffer; value: Buffer | null } {
  const key = encodeVersioned(keySchema, KEY_VERSION, { transactionalId: record.transactionalId });
  const v = record.value;
  if (v === null) return { key, value: null };
  // Kafka writes no partition list for Empty, and never writes Dead or PrepareEpochFence.
  const writable = v.state !== TxnState.Dead && v.state !== TxnState.PrepareEpochFence;
  assert(writable, `transactional id ${record.transactionalId}: state ${v.state} is never written`);
  assert(v.state !== TxnState.Empty || v.partitions.size === 0, `${record.transactionalId}: Empty with partitions`);
  const byTopic = new Map<string, number[]>();
  for (const key of v.partitions) {
    const { topic, partition } = parsePartitionKey(key);
    const list = byTopic.get(topic) ?? [];
    list.push(partition);
    byTopic.set(topic, list);
  }
  const value = encodeVersioned(valueSchema, VALUE_VERSION, {
    producerId: v.producerId,
    previousProducerId: v.lastProducerId,
    nextProducerId: -1,
    producerEpoch: v.producerEpoch,
    transactionTimeoutMs: v.txnTimeoutMs,
    transactionStatus: TXN_STATE_IDS[v.state],
    transactionPartitions:
      v.state === TxnState.Empty
        ? null
        : [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds: partitionIds.sort((a, b) => a - b) })),
    transactionLastUpdateTimestampMs: v.txnLastUpdateTimestampMs,
    transactionStartTimestampMs: v.txnStartTimestampMs,
    clientTransactionVersion: 0,
    lastProducerEpoch: v.lastProducerEpoch,
  });
  return { key, value };
}

function readVersion(bytes: Buffer, what: string): { version: number; reader: Reader } {
  const reader = new Reader(bytes);
  const version = reader.int16();
  if (version < 0) throw new ProtocolError(`${what} has negative version ${version}`);
  return { version, reader };
}

/**
 * Decodes one record of __transaction_state. Null for a key version that is not a transaction
 * log key (which a loader skips); ProtocolError on damage or a value version this broker cannot read.
 */
export function decodeTxnLogRecord(keyBytes: Buffer, valueBytes: Buffer | null): TxnLogRecord | null {
  const { version: keyVersion, reader: keyReader } = readVersion(keyBytes, 'transaction log key');
  if (keyVersion !== KEY_VERSION) return null;
  const transactionalId = decodeMessage(keySchema, keyVersion, keyReader)['transactionalId'] as string;
  if (valueBytes === null) return { transactionalId, value: null };
  const { version, reader } = readVersion(valueBytes, 'transaction log value');
  if (version > VALUE_VERSION_MAX) throw new ProtocolError(`transaction log value version ${version} is unknown`);
  const value = decodeMessage(valueSchema, version, reader);
  const stateId = value['transactionStatus'] as number;
  const state = txnStateOfId(stateId);
  if (state === undefined || state === TxnState.Dead || state === TxnState.PrepareEpochFence)
    throw new ProtocolError(`transaction log value of ${transactionalId} has state ${stateId}`);
  const partitions = new Set<string>();
  if (state !== TxnState.Empty) {
    const topics = (value['transactionPartitions'] as { topic: string; partitionIds: number[] }[] | null) ?? [];
    for (const { topic, partitionIds } of topics) for (const p of partitionIds) partitions.add(partitionKey(topic, p));
  }
  const lastProducerId = value['previousProducerId'] as number;
  const lastProducerEpoch = value['lastProducerEpoch'] as number;
  return {
    transactionalId,
    value: {
      producerId: value['producerId'] as number,
      lastProducerId: lastProducerId >= 0 ? lastProducerId : NO_PRODUCER_ID,
      producerEpoch: value['producerEpoch'] as number,
      lastProducerEpoch: lastProducerEpoch >= 0 ? lastProducerEpoch : NO_PRODUCER_EPOCH,
      txnTimeoutMs: value['transactionTimeoutMs'] as number,
      state,
      partitions,
      txnStartTimestampMs: value['transactionStartTimestampMs'] as number,
      txnLastUpdateTimestampMs: value['transactionLastUpdateTimestampMs'] as number,
    },
  };
}
