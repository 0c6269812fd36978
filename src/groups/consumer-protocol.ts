// The consumer protocol: what Kafka consumers put inside the opaque bytes of JoinGroup
// (protocols[].metadata: a subscription) and SyncGroup (assignments[].assignment: an assignment)
// when protocolType is "consumer". Each payload is an int16 version followed by the struct of
// that version; these structs are never flexible. A payload of a newer version than we know is
// read with the newest layout we know, as Kafka's consumer does: new versions only append fields.
// These bytes arrive inside a well-formed request, so a malformed payload is the caller's to answer
// with an error code (INCONSISTENT_GROUP_PROTOCOL); the ProtocolError thrown here does not mean
// the connection must close.
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

export interface ConsumerProtocolTopicPartition {
  topic: string;
  partitions: number[];
}

export interface ConsumerProtocolSubscription {
  /** The payload's own version (0-3, or newer from a newer client). */
  version: number;
  topics: string[];
  userData: Buffer | null;
  /** v1+: what the member owned before this rebalance (cooperative rebalancing). */
  ownedPartitions: ConsumerProtocolTopicPartition[];
  /** v2+: the generation `ownedPartitions` belong to; -1 when not sent. */
  generationId: number;
  /** v3+: rack-aware assignment. */
  rackId: string | null;
}

export interface ConsumerProtocolAssignment {
  version: number;
  assignedPartitions: ConsumerProtocolTopicPartition[];
  userData: Buffer | null;
}

export const CONSUMER_PROTOCOL_VERSION_MAX = 3;

// These are standalone structures, not API messages: they have no api key (-1) and the schema
// language's only non-API kind is 'header'.
export const consumerProtocolSubscriptionSchema: MessageSchema = {
  name: 'ConsumerProtocolSubscription',
  apiKey: -1,
  type: 'header',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: [
    f.array('topics', '0+', 'string'),
    f.bytes('userData', '0+', { nullableVersions: '0+', default: null }),
    f.array('ownedPartitions', '1+', [f.string('topic', '1+'), f.array('partitions', '1+', 'int32')]),
    f.int32('generationId', '2+', { default: -1 }),
    f.string('rackId', '3+', { nullableVersions: '3+', default: null }),
  ],
};

export const consumerProtocolAssignmentSchema: MessageSchema = {
  name: 'ConsumerProtocolAssignment',
  apiKey: -1,
  type: 'header',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: [
    f.array('assignedPartitions', '0+', [f.string('topic', '0+'), f.array('partitions', '0+', 'int32')]),
    f.bytes('userData', '0+', { nullableVersions: '0+', default: null }),
  ],
};

function encodePayload(schema: MessageSchema, version: number, body: object): Buffer {
  assert(
    Number.isInteger(version) && version >= 0 && version <= CONSUMER_PROTOCOL_VERSION_MAX,
    `${schema.name} version ${version} is not one this broker writes`,
  );
  const writer = new Writer(64);
  writer.int16(version);
  encodeMessage(schema, version, body, writer);
  return concat(writer.finish());
}

/** Reads the version prefix and the body in the newest layout we know at or below it. */
function decodePayload(schema: MessageSchema, bytes: Buffer): { version: number; body: Record<string, unknown> } {
  const reader = new Reader(bytes);
  const version = reader.int16();
  if (version < 0) throw new ProtocolError(`${schema.name} has negative version ${version}`);
  // Bytes after the known fields belong to a newer version's appended fields and are ignored.
  const body = decodeMessage(schema, Math.min(version, CONSUMER_PROTOCOL_VERSION_MAX), reader);
  return { version, body };
}

export function encodeConsumerSubscription(value: ConsumerProtocolSubscription): Buffer {
  return encodePayload(consumerProtocolSubscriptionSchema, value.version, value);
}

/** Throws ProtocolError when `bytes` is not a subscription. */
export function decodeConsumerSubscription(bytes: Buffer): ConsumerProtocolSubscription {
  const { version, body } = decodePayload(consumerProtocolSubscriptionSchema, bytes);
  return {
    version,
    topics: body['topics'] as string[],
    userData: body['userData'] as Buffer | null,
    ownedPartitions: body['ownedPartitions'] as ConsumerProtocolTopicPartition[],
    generationId: body['generationId'] as number,
    rackId: body['rackId'] as string | null,
  };
}

export function encodeConsumerAssignment(value: ConsumerProtocolAssignment): Buffer {
  return encodePayload(consumerProtocolAssignmentSchema, value.version, value);
}

/**
 * Throws ProtocolError when `bytes` is not an assignment. Empty bytes are an empty assignment:
 * that is what a coordinator hands a member the leader gave nothing, and what clients send for it.
 */
export function decodeConsumerAssignment(bytes: Buffer): ConsumerProtocolAssignment {
  if (bytes.length === 0) return { version: 0, assignedPartitions: [], userData: null };
  const { version, body } = decodePayload(consumerProtocolAssignmentSchema, bytes);
  return {
    version,
    assignedPartitions: body['assignedPartitions'] as ConsumerProtocolTopicPartition[],
    userData: body['userData'] as Buffer | null,
  };
}
