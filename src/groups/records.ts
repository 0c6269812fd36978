// The records the group coordinator writes to __consumer_offsets, in Kafka's own layout so the
// topic reads the same as Kafka's (kafka-console-consumer's offsets formatter, a future migration):
//   key  = int16 version + struct.  v0/v1: OffsetCommitKey(group, topic, partition);
//                                   v2:    GroupMetadataKey(group).
//   value = int16 version + struct, or null (a tombstone: the offset or the group is gone).
// Replaying a partition from its start and keeping the last value per key gives the current
// state, which is what log compaction preserves, so the topic may later be compacted safely.
import {
  concat,
  decodeMessage,
  encodeMessage,
  f,
  type MessageSchema,
  ProtocolError,
  Reader,
  Writer,
} from '../common/index.js';

export interface OffsetCommitValue {
  readonly offset: number;
  /** -1 when the client did not say. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  /** From OffsetCommit v2-4's retentionTimeMs; -1: the broker's retention applies. */
  readonly expireTimestampMs: number;
}

export interface GroupMemberValue {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  /** The member's metadata for the selected protocol. */
  readonly subscription: Buffer;
  readonly assignment: Buffer;
}

export interface GroupMetadataValue {
  readonly protocolType: string;
  readonly generation: number;
  readonly protocol: string | null;
  readonly leader: string | null;
  readonly currentStateTimestampMs: number;
  readonly members: readonly GroupMemberValue[];
}

export type CoordinatorRecord =
  | {
      readonly kind: 'offset';
      readonly groupId: string;
      readonly topic: string;
      readonly partition: number;
      readonly value: OffsetCommitValue | null;
    }
  | { readonly kind: 'group'; readonly groupId: string; readonly value: GroupMetadataValue | null };

const OFFSET_KEY_VERSION = 1;
const GROUP_KEY_VERSION = 2;
/** v3 carries the leader epoch; v1 is the one layout with an expire timestamp. */
const OFFSET_VALUE_VERSION = 3;
const OFFSET_VALUE_VERSION_WITH_EXPIRY = 1;
const GROUP_VALUE_VERSION = 3;
/** Newest non-flexible versions we read; flexible ones (v4) only add tagged fields. */
const OFFSET_VALUE_VERSION_MAX = 4;
const GROUP_VALUE_VERSION_MAX = 4;

function dataSchema(
  name: string,
  validVersions: string,
  flexibleVersions: string,
  fields: MessageSchema['fields'],
): MessageSchema {
  // Standalone structures without an API key; the schema language calls these 'header'.
  return { name, apiKey: -1, type: 'header', validVersions, flexibleVersions, fields };
}

const offsetKeySchema = dataSchema('OffsetCommitKey', '0-1', 'none', [
  f.string('group', '0-1'),
  f.string('topic', '0-1'),
  f.int32('partition', '0-1'),
]);

const groupKeySchema = dataSchema('GroupMetadataKey', '2', 'none', [f.string('group', '2')]);

const offsetValueSchema = dataSchema('OffsetCommitValue', '0-4', '4+', [
  f.int64('offset', '0+'),
  f.int32('leaderEpoch', '3+', { default: -1 }),
  f.string('metadata', '0+'),
  f.int64('commitTimestamp', '0+'),
  f.int64('expireTimestamp', '1', { default: -1 }),
]);

const groupValueSchema = dataSchema('GroupMetadataValue', '0-4', '4+', [
  f.string('protocolType', '0+'),
  f.int32('generation', '0+'),
  f.string('protocol', '0+', { nullableVersions: '0+' }),
  f.string('leader', '0+', { nullableVersions: '0+' }),
  f.int64('currentStateTimestamp', '2+', { default: -1 }),
  f.array('members', '0+', [
    f.string('memberId', '0+'),
    f.string('groupInstanceId', '3+', { nullableVersions: '3+', default: null }),
    f.string('clientId', '0+'),
    f.string('clientHost', '0+'),
    f.int32('rebalanceTimeout', '1+', { default: -1 }),
    f.int32('sessionTimeout', '0+'),
    f.bytes('subscription', '0+'),
    f.bytes('assignment', '0+'),
  ]),
]);

function encodeVersioned(schema: MessageSchema, version: number, body: object): Buffer {
  const writer = new Writer(64);
  writer.int16(version);
  encodeMessage(schema, version, body, writer);
  return concat(writer.finish());
}

function readVersion(bytes: Buffer, what: string): { version: number; reader: Reader } {
  const reader = new Reader(bytes);
  const version = reader.int16();
  if (version < 0) throw new ProtocolError(`${what} has negative version ${version}`);
  return { version, reader };
}

export function encodeCoordinatorRecord(record: CoordinatorRecord): { key: Buffer; value: Buffer | null } {
  if (record.kind === 'offset') {
    const key = encodeVersioned(offsetKeySchema, OFFSET_KEY_VERSION, {
      group: record.groupId,
      topic: record.topic,
      partition: record.partition,
    });
    const v = record.value;
    if (v === null) return { key, value: null };
    const withExpiry = v.expireTimestampMs >= 0;
    const value = encodeVersioned(
      offsetValueSchema,
      withExpiry ? OFFSET_VALUE_VERSION_WITH_EXPIRY : OFFSET_VALUE_VERSION,
      {
        offset: v.offset,
        leaderEpoch: v.leaderEpoch,
        metadata: v.metadata,
        commitTimestamp: v.commitTimestampMs,
        expireTimestamp: v.expireTimestampMs,
      },
    );
    return { key, value };
  }
  const key = encodeVersioned(groupKeySchema, GROUP_KEY_VERSION, { group: record.groupId });
  const v = record.value;
  if (v === null) return { key, value: null };
  const value = encodeVersioned(groupValueSchema, GROUP_VALUE_VERSION, {
    protocolType: v.protocolType,
    generation: v.generation,
    protocol: v.protocol,
    leader: v.leader,
    currentStateTimestamp: v.currentStateTimestampMs,
    members: v.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: m.subscription,
      assignment: m.assignment,
    })),
  });
  return { key, value };
}

/**
 * Decodes one record of __consumer_offsets. Returns null for a key version this broker does not
 * know (a newer writer's record types), which a loader skips. Throws ProtocolError on damage.
 */
export function decodeCoordinatorRecord(keyBytes: Buffer, valueBytes: Buffer | null): CoordinatorRecord | null {
  const { version: keyVersion, reader: keyReader } = readVersion(keyBytes, 'coordinator record key');
  if (keyVersion === 0 || keyVersion === 1) {
    const key = decodeMessage(offsetKeySchema, keyVersion, keyReader);
    const base = {
      kind: 'offset' as const,
      groupId: key['group'] as string,
      topic: key['topic'] as string,
      partition: key['partition'] as number,
    };
    if (valueBytes === null) return { ...base, value: null };
    const { version, reader } = readVersion(valueBytes, 'offset commit value');
    const value = decodeMessage(offsetValueSchema, Math.min(version, OFFSET_VALUE_VERSION_MAX), reader);
    return {
      ...base,
      value: {
        offset: value['offset'] as number,
        leaderEpoch: value['leaderEpoch'] as number,
        metadata: value['metadata'] as string,
        commitTimestampMs: value['commitTimestamp'] as number,
        expireTimestampMs: value['expireTimestamp'] as number,
      },
    };
  }
  if (keyVersion === GROUP_KEY_VERSION) {
    const key = decodeMessage(groupKeySchema, keyVersion, keyReader);
    const groupId = key['group'] as string;
    if (valueBytes === null) return { kind: 'group', groupId, value: null };
    const { version, reader } = readVersion(valueBytes, 'group metadata value');
    const value = decodeMessage(groupValueSchema, Math.min(version, GROUP_VALUE_VERSION_MAX), reader);
    const members = value['members'] as Record<string, unknown>[];
    return {
      kind: 'group',
      groupId,
      value: {
        protocolType: value['protocolType'] as string,
        generation: value['generation'] as number,
        protocol: value['protocol'] as string | null,
        leader: value['leader'] as string | null,
        currentStateTimestampMs: value['currentStateTimestamp'] as number,
        members: members.map((m) => ({
          memberId: m['memberId'] as string,
          groupInstanceId: m['groupInstanceId'] as string | null,
          clientId: m['clientId'] as string,
          clientHost: m['clientHost'] as string,
          rebalanceTimeoutMs: m['rebalanceTimeout'] as number,
          sessionTimeoutMs: m['sessionTimeout'] as number,
          subscription: m['subscription'] as Buffer,
          assignment: m['assignment'] as Buffer,
        })),
      },
    };
  }
  return null;
}
