// Admin and consumer-group message schemas: every version of every API round-trips a value that
// fills every field of that version, and a few encodings are checked against bytes worked out by
// hand from Kafka's protocol rules (big-endian integers; int16-length strings, int32-length bytes
// and arrays in classic versions; length+1 unsigned varints and a tagged-field section per struct
// in flexible versions).
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../src/common/binary/codec.js';
import { Reader } from '../../src/common/binary/reader.js';
import { concat, Writer } from '../../src/common/binary/writer.js';
import { inVersions, parseVersions } from '../../src/common/binary/schema.js';
import type { FieldSchema, MessageSchema, Primitive } from '../../src/common/binary/schema.js';
import type { ApiSchema } from '../../src/kafka/protocol/api-schema.js';
import { alterConfigsApi } from '../../src/kafka/protocol/messages/alter-configs.js';
import { createPartitionsApi } from '../../src/kafka/protocol/messages/create-partitions.js';
import { createTopicsApi } from '../../src/kafka/protocol/messages/create-topics.js';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../src/kafka/protocol/messages/create-topics.js';
import { deleteGroupsApi } from '../../src/kafka/protocol/messages/delete-groups.js';
import { deleteRecordsApi } from '../../src/kafka/protocol/messages/delete-records.js';
import { deleteTopicsApi } from '../../src/kafka/protocol/messages/delete-topics.js';
import { describeConfigsApi } from '../../src/kafka/protocol/messages/describe-configs.js';
import type { DescribeConfigsResponse } from '../../src/kafka/protocol/messages/describe-configs.js';
import { describeGroupsApi } from '../../src/kafka/protocol/messages/describe-groups.js';
import { findCoordinatorApi } from '../../src/kafka/protocol/messages/find-coordinator.js';
import type {
  FindCoordinatorRequest,
  FindCoordinatorResponse,
} from '../../src/kafka/protocol/messages/find-coordinator.js';
import { heartbeatApi } from '../../src/kafka/protocol/messages/heartbeat.js';
import { incrementalAlterConfigsApi } from '../../src/kafka/protocol/messages/incremental-alter-configs.js';
import { joinGroupApi } from '../../src/kafka/protocol/messages/join-group.js';
import type { JoinGroupRequest } from '../../src/kafka/protocol/messages/join-group.js';
import { leaveGroupApi } from '../../src/kafka/protocol/messages/leave-group.js';
import { listGroupsApi } from '../../src/kafka/protocol/messages/list-groups.js';
import { offsetCommitApi } from '../../src/kafka/protocol/messages/offset-commit.js';
import type { OffsetCommitRequest } from '../../src/kafka/protocol/messages/offset-commit.js';
import { offsetDeleteApi } from '../../src/kafka/protocol/messages/offset-delete.js';
import { offsetFetchApi } from '../../src/kafka/protocol/messages/offset-fetch.js';
import type { OffsetFetchRequest, OffsetFetchResponse } from '../../src/kafka/protocol/messages/offset-fetch.js';
import { syncGroupApi } from '../../src/kafka/protocol/messages/sync-group.js';
import type { SyncGroupRequest } from '../../src/kafka/protocol/messages/sync-group.js';
import {
  consumerProtocolAssignmentSchema,
  consumerProtocolSubscriptionSchema,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
} from '../../src/groups/consumer-protocol.js';
import type { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../../src/groups/consumer-protocol.js';

const apis: readonly ApiSchema[] = [
  createTopicsApi,
  deleteTopicsApi,
  createPartitionsApi,
  describeConfigsApi,
  alterConfigsApi,
  incrementalAlterConfigsApi,
  deleteRecordsApi,
  findCoordinatorApi,
  joinGroupApi,
  syncGroupApi,
  heartbeatApi,
  leaveGroupApi,
  offsetCommitApi,
  offsetFetchApi,
  listGroupsApi,
  describeGroupsApi,
  deleteGroupsApi,
  offsetDeleteApi,
];

// ---------------------------------------------------------------------------------------------
// Encoding and decoding through the engine.

function encode(schema: MessageSchema, version: number, value: object): Buffer {
  const writer = new Writer(64);
  encodeMessage(schema, version, value, writer);
  return concat(writer.finish());
}

function decode(schema: MessageSchema, version: number, bytes: Buffer): Record<string, unknown> {
  const reader = new Reader(bytes);
  const value = decodeMessage(schema, version, reader) as Record<string, unknown>;
  expect(reader.remaining, `${schema.name} v${version} left bytes unread`).toBe(0);
  return value;
}

/** Hex written by hand, with spaces, line breaks and `# comments` for readability. */
function hex(text: string): Buffer {
  const digits = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  expect(digits).toMatch(/^([0-9a-f]{2})*$/);
  return Buffer.from(digits, 'hex');
}

// ---------------------------------------------------------------------------------------------
// A value generator driven by the schema: every field present in the version gets a varied,
// non-default value; every absent field gets the value the decoder fills in (its default).

type Rand = () => number;

function mulberry32(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function intIn(rand: Rand, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const STRINGS = ['a', 'topic-1', 'grüße', '日本語', 'x'.repeat(40), ''];

function primitiveValue(type: Primitive, rand: Rand): unknown {
  switch (type) {
    case 'int8':
      return pick(rand, [-128, -1, 1, 127, intIn(rand, -128, 127)]);
    case 'int16':
      return pick(rand, [-32768, -1, 1, 32767, intIn(rand, -32768, 32767)]);
    case 'uint16':
      return pick(rand, [1, 65535, intIn(rand, 0, 65535)]);
    case 'int32':
      return pick(rand, [-2147483648, -1, 1, 2147483647, intIn(rand, -2147483648, 2147483647)]);
    case 'int64':
      return pick(rand, [
        Number.MAX_SAFE_INTEGER,
        Number.MIN_SAFE_INTEGER,
        -1,
        1,
        2 ** 32,
        intIn(rand, -(2 ** 40), 2 ** 40),
      ]);
    case 'float64':
      return pick(rand, [0.5, -1e300, 3.25]);
    case 'bool':
      return true;
    case 'uuid': {
      const bytes = Buffer.alloc(16);
      for (let i = 0; i < 16; i++) bytes[i] = intIn(rand, 0, 255);
      bytes[0] = 0xa0 | (bytes[0] as number); // never the zero uuid
      const h = bytes.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case 'string':
      return pick(rand, STRINGS.slice(0, -1)) + String(intIn(rand, 0, 99));
    case 'bytes':
    case 'records': {
      const bytes = Buffer.alloc(intIn(rand, 1, 20));
      for (let i = 0; i < bytes.length; i++) bytes[i] = intIn(rand, 0, 255);
      return bytes;
    }
  }
}

/**
 * What the decoder yields for a field absent from the version being read: the schema's default,
 * else the codec's rule (null for a field nullable in some version; otherwise 0, false, '', the
 * zero uuid, empty bytes, []). Kafka's Java classes differ for nullable fields without a default
 * ('' and [] there); nothing on the wire depends on it.
 */
function defaultValue(field: FieldSchema): unknown {
  const nullable = field.nullableVersions !== undefined && field.nullableVersions !== 'none';
  if (field.type === 'bytes') return nullable ? null : Buffer.alloc(0);
  if (field.default !== undefined) return field.default;
  if (nullable && field.type !== 'struct') return null;
  switch (field.type) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'int64':
    case 'float64':
      return 0;
    case 'bool':
      return false;
    case 'uuid':
      return ZERO_UUID;
    case 'string':
      return '';
    case 'records':
      return null;
    case 'array':
      return [];
    case 'struct':
      return Object.fromEntries((field.fields ?? []).map((child) => [child.name, defaultValue(child)]));
  }
}

interface GenContext {
  readonly version: number;
  readonly flexible: boolean;
  readonly rand: Rand;
  /** Chance that a nullable field is null. */
  readonly nullChance: number;
}

function generateStruct(fields: readonly FieldSchema[], ctx: GenContext): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const field of fields) {
    value[field.name] = inVersions(field.versions, ctx.version) ? generateField(field, ctx) : defaultValue(field);
  }
  // Tags far above any the schemas use, in ascending order, as the codec writes them.
  if (ctx.flexible && ctx.rand() < 0.3) {
    value.unknownTaggedFields = [
      { tag: 90, data: Buffer.from([1, 2, 3]) },
      { tag: 91, data: Buffer.alloc(0) },
    ];
  }
  return value;
}

function generateField(field: FieldSchema, ctx: GenContext): unknown {
  if (inVersions(field.nullableVersions, ctx.version) && ctx.rand() < ctx.nullChance) return null;
  switch (field.type) {
    case 'struct':
      return generateStruct(field.fields ?? [], ctx);
    case 'array': {
      const items = field.items;
      const count = intIn(ctx.rand, 1, 3);
      const out: unknown[] = [];
      for (let i = 0; i < count; i++) {
        out.push(typeof items === 'string' ? primitiveValue(items, ctx.rand) : generateStruct(items ?? [], ctx));
      }
      return out;
    }
    default:
      return primitiveValue(field.type, ctx.rand);
  }
}

function generateMessage(schema: MessageSchema, version: number, seed: number, nullChance: number) {
  const flexible = inVersions(schema.flexibleVersions, version);
  return generateStruct(schema.fields, { version, flexible, rand: mulberry32(seed), nullChance });
}

/** Empty unknown-tag lists and their absence mean the same. */
function normalize(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key === 'unknownTaggedFields' && (child === undefined || (Array.isArray(child) && child.length === 0))) {
        continue;
      }
      if (child === undefined) continue;
      out[key] = normalize(child);
    }
    return out;
  }
  return value;
}

function versionsOf(schema: MessageSchema): number[] {
  const span = parseVersions(schema.validVersions);
  const out: number[] = [];
  for (let v = span.min; v <= span.max; v++) out.push(v);
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('admin and group schemas: shape', () => {
  it('declare the api keys and version ranges of Kafka 3.9', () => {
    const expected: Record<string, [number, string, string]> = {
      CreateTopics: [19, '0-7', '5+'],
      DeleteTopics: [20, '0-6', '4+'],
      CreatePartitions: [37, '0-3', '2+'],
      DescribeConfigs: [32, '0-4', '4+'],
      AlterConfigs: [33, '0-2', '2+'],
      IncrementalAlterConfigs: [44, '0-1', '1+'],
      DeleteRecords: [21, '0-2', '2+'],
      FindCoordinator: [10, '0-6', '3+'],
      JoinGroup: [11, '0-9', '6+'],
      SyncGroup: [14, '0-5', '4+'],
      Heartbeat: [12, '0-4', '4+'],
      LeaveGroup: [13, '0-5', '4+'],
      OffsetCommit: [8, '0-9', '8+'],
      OffsetFetch: [9, '0-9', '6+'],
      ListGroups: [16, '0-5', '3+'],
      DescribeGroups: [15, '0-5', '5+'],
      DeleteGroups: [42, '0-2', '2+'],
      OffsetDelete: [47, '0', 'none'],
    };
    expect(apis.map((api) => api.name).sort()).toEqual(Object.keys(expected).sort());
    for (const api of apis) {
      const [apiKey, valid, flexible] = expected[api.name] ?? [];
      for (const schema of [api.request, api.response]) {
        expect(schema.apiKey, schema.name).toBe(apiKey);
        expect(schema.validVersions, schema.name).toBe(valid);
        expect(schema.flexibleVersions, schema.name).toBe(flexible);
      }
      expect(api.apiKey).toBe(apiKey);
      expect(api.request.type).toBe('request');
      expect(api.response.type).toBe('response');
    }
  });

  it('keep tagged fields open-ended inside flexible versions', () => {
    const walk = (fields: readonly FieldSchema[], schema: MessageSchema): void => {
      const tags = new Set<number>();
      for (const field of fields) {
        if (field.tag !== undefined) {
          expect(field.taggedVersions, field.name).toMatch(/^\d+\+$/);
          const from = parseVersions(field.taggedVersions ?? 'none').min;
          expect(inVersions(schema.flexibleVersions, from), field.name).toBe(true);
          expect(tags.has(field.tag), `duplicate tag ${field.tag}`).toBe(false);
          tags.add(field.tag);
        }
        if (field.fields) walk(field.fields, schema);
        if (Array.isArray(field.items)) walk(field.items as readonly FieldSchema[], schema);
      }
    };
    for (const api of apis) for (const schema of [api.request, api.response]) walk(schema.fields, schema);
  });
});

describe('admin and group schemas: round trip of every version', () => {
  for (const api of apis) {
    for (const schema of [api.request, api.response]) {
      for (const version of versionsOf(schema)) {
        it(`${schema.name} v${version}`, () => {
          for (let seed = 1; seed <= 4; seed++) {
            // Seed 1 never uses null, so every nullable field is seen with a value too.
            const value = generateMessage(schema, version, seed * 1000 + version, seed === 1 ? 0 : 0.4);
            const bytes = encode(schema, version, value);
            const decoded = decode(schema, version, bytes);
            expect(normalize(decoded)).toEqual(normalize(value));
            // Writing what was read gives the same bytes.
            expect(encode(schema, version, decoded).equals(bytes)).toBe(true);
          }
        });
      }
    }
  }
});

describe('admin and group schemas: golden bytes', () => {
  it('JoinGroup v5 request (classic encoding, static membership field present)', () => {
    const subscription = hex(`
      0000                      # consumer protocol version 0
      00000001 0001 74          # topics: ["t"]
      ffffffff                  # userData: null
    `);
    const value: JoinGroupRequest = {
      groupId: 'g',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 60000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription }],
      reason: null,
    };
    const expected = hex(`
      0001 67                   # groupId "g"
      00007530                  # sessionTimeoutMs 30000
      0000ea60                  # rebalanceTimeoutMs 60000
      0000                      # memberId ""
      ffff                      # groupInstanceId null
      0008 636f6e73756d6572     # protocolType "consumer"
      00000001                  # protocols: 1
        0005 72616e6765         #   name "range"
        0000000d                #   metadata: 13 bytes
        0000 00000001 0001 74 ffffffff
    `);
    expect(encode(joinGroupApi.request, 5, value)).toEqual(expected);
    expect(normalize(decode(joinGroupApi.request, 5, expected))).toEqual(normalize(value));
    const metadata = value.protocols[0]?.metadata ?? Buffer.alloc(0);
    expect(decodeConsumerSubscription(metadata)).toEqual({
      version: 0,
      topics: ['t'],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    } satisfies ConsumerProtocolSubscription);
  });

  it('JoinGroup v6 request (first flexible version: compact lengths and tag sections)', () => {
    const value: JoinGroupRequest = {
      groupId: 'g',
      sessionTimeoutMs: 10000,
      rebalanceTimeoutMs: 20000,
      memberId: 'm',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from([0xab]) }],
      reason: null,
    };
    const expected = hex(`
      02 67                     # groupId "g": length+1
      00002710                  # sessionTimeoutMs 10000
      00004e20                  # rebalanceTimeoutMs 20000
      02 6d                     # memberId "m"
      00                        # groupInstanceId null
      09 636f6e73756d6572       # protocolType "consumer"
      02                        # protocols: 1 (+1)
        06 72616e6765           #   name "range"
        02 ab                   #   metadata: 1 byte (+1)
        00                      #   element tags: none
      00                        # message tags: none
    `);
    expect(encode(joinGroupApi.request, 6, value)).toEqual(expected);
    expect(normalize(decode(joinGroupApi.request, 6, expected))).toEqual(normalize(value));
  });

  it('SyncGroup v3 request (groupInstanceId, no protocol type/name yet)', () => {
    const assignment = hex(`
      0000                      # consumer protocol version 0
      00000001                  # assignedPartitions: 1
        0001 74                 #   topic "t"
        00000001 00000000       #   partitions [0]
      ffffffff                  # userData null
    `);
    const value: SyncGroupRequest = {
      groupId: 'g',
      generationId: 1,
      memberId: 'm',
      groupInstanceId: 'i',
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId: 'm', assignment }],
    };
    const expected = hex(`
      0001 67                   # groupId "g"
      00000001                  # generationId 1
      0001 6d                   # memberId "m"
      0001 69                   # groupInstanceId "i"
      00000001                  # assignments: 1
        0001 6d                 #   memberId "m"
        00000015                #   assignment: 21 bytes
        0000 00000001 0001 74 00000001 00000000 ffffffff
    `);
    expect(encode(syncGroupApi.request, 3, value)).toEqual(expected);
    expect(normalize(decode(syncGroupApi.request, 3, expected))).toEqual(normalize(value));
    expect(decodeConsumerAssignment(assignment)).toEqual({
      version: 0,
      assignedPartitions: [{ topic: 't', partitions: [0] }],
      userData: null,
    } satisfies ConsumerProtocolAssignment);
  });

  it('OffsetCommit v2 request (retention time, no leader epoch)', () => {
    const value: OffsetCommitRequest = {
      groupId: 'g',
      generationIdOrMemberEpoch: 3,
      memberId: 'm',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: 't',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 42,
              committedLeaderEpoch: -1, // v6+
              commitTimestamp: -1, // v1 only
              committedMetadata: null,
            },
          ],
        },
      ],
    };
    const expected = hex(`
      0001 67                   # groupId "g"
      00000003                  # generationIdOrMemberEpoch 3
      0001 6d                   # memberId "m"
      ffffffffffffffff          # retentionTimeMs -1
      00000001                  # topics: 1
        0001 74                 #   name "t"
        00000001                #   partitions: 1
          00000000              #     partitionIndex 0
          000000000000002a      #     committedOffset 42
          ffff                  #     committedMetadata null
    `);
    expect(encode(offsetCommitApi.request, 2, value)).toEqual(expected);
    expect(normalize(decode(offsetCommitApi.request, 2, expected))).toEqual(normalize(value));
  });

  it('FindCoordinator v0 request (key only)', () => {
    const value: FindCoordinatorRequest = { key: 'g1', keyType: 0, coordinatorKeys: [] };
    const expected = hex('0002 6731');
    expect(encode(findCoordinatorApi.request, 0, value)).toEqual(expected);
    expect(normalize(decode(findCoordinatorApi.request, 0, expected))).toEqual(normalize(value));
  });

  it('FindCoordinator v4 request and response (batched keys and coordinators)', () => {
    const request: FindCoordinatorRequest = { key: '', keyType: 0, coordinatorKeys: ['g1'] };
    const requestBytes = hex(`
      00                        # keyType 0 (group)
      02 03 6731                # coordinatorKeys ["g1"]
      00                        # tags
    `);
    expect(encode(findCoordinatorApi.request, 4, request)).toEqual(requestBytes);
    expect(normalize(decode(findCoordinatorApi.request, 4, requestBytes))).toEqual(normalize(request));

    const response: FindCoordinatorResponse = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      nodeId: 0,
      host: '',
      port: 0,
      coordinators: [{ key: 'g1', nodeId: 1, host: 'h', port: 9092, errorCode: 0, errorMessage: null }],
    };
    const responseBytes = hex(`
      00000000                  # throttleTimeMs 0
      02                        # coordinators: 1
        03 6731                 #   key "g1"
        00000001                #   nodeId 1
        02 68                   #   host "h"
        00002384                #   port 9092
        0000                    #   errorCode 0
        00                      #   errorMessage null
        00                      #   element tags
      00                        # message tags
    `);
    expect(encode(findCoordinatorApi.response, 4, response)).toEqual(responseBytes);
    expect(normalize(decode(findCoordinatorApi.response, 4, responseBytes))).toEqual(normalize(response));
  });

  it('CreateTopics v3 request (manual assignment, null config value)', () => {
    const value: CreateTopicsRequest = {
      topics: [
        {
          name: 't',
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }],
          configs: [{ name: 'a', value: null }],
        },
      ],
      timeoutMs: 5000,
      validateOnly: true,
    };
    const expected = hex(`
      00000001                  # topics: 1
        0001 74                 #   name "t"
        ffffffff                #   numPartitions -1
        ffff                    #   replicationFactor -1
        00000001                #   assignments: 1
          00000000              #     partitionIndex 0
          00000002 00000001 00000002  # brokerIds [1, 2]
        00000001                #   configs: 1
          0001 61               #     name "a"
          ffff                  #     value null
      00001388                  # timeoutMs 5000
      01                        # validateOnly true
    `);
    expect(encode(createTopicsApi.request, 3, value)).toEqual(expected);
    expect(normalize(decode(createTopicsApi.request, 3, expected))).toEqual(normalize(value));
  });

  it('CreateTopics v5 response (tagged topicConfigErrorCode, null configs)', () => {
    const value: CreateTopicsResponse = {
      throttleTimeMs: 0,
      topics: [
        {
          name: 't',
          topicId: ZERO_UUID,
          errorCode: 0,
          errorMessage: null,
          topicConfigErrorCode: 29,
          numPartitions: 1,
          replicationFactor: 1,
          configs: null,
        },
      ],
    };
    const expected = hex(`
      00000000                  # throttleTimeMs 0
      02                        # topics: 1
        02 74                   #   name "t"
        0000                    #   errorCode 0
        00                      #   errorMessage null
        00000001                #   numPartitions 1
        0001                    #   replicationFactor 1
        00                      #   configs null
        01                      #   tags: 1
          00 02 001d            #     tag 0, 2 bytes: topicConfigErrorCode 29
      00                        # message tags
    `);
    expect(encode(createTopicsApi.response, 5, value)).toEqual(expected);
    expect(normalize(decode(createTopicsApi.response, 5, expected))).toEqual(normalize(value));
    // At its default (0) the tagged field is left out: the section shrinks to its empty count.
    const quiet = { ...value, topics: [{ ...value.topics[0], topicConfigErrorCode: 0 }] };
    expect(encode(createTopicsApi.response, 5, quiet).length).toBe(expected.length - 4);
  });

  it('DescribeConfigs v1 response (config source and synonyms, no isDefault)', () => {
    const value: DescribeConfigsResponse = {
      throttleTimeMs: 0,
      results: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: 2,
          resourceName: 't',
          configs: [
            {
              name: 'k',
              value: 'v',
              readOnly: false,
              isDefault: false,
              configSource: 5,
              isSensitive: false,
              synonyms: [{ name: 'k', value: 'v', source: 5 }],
              configType: 0,
              documentation: null,
            },
          ],
        },
      ],
    };
    const expected = hex(`
      00000000                  # throttleTimeMs 0
      00000001                  # results: 1
        0000                    #   errorCode 0
        ffff                    #   errorMessage null
        02                      #   resourceType 2 (topic)
        0001 74                 #   resourceName "t"
        00000001                #   configs: 1
          0001 6b               #     name "k"
          0001 76               #     value "v"
          00                    #     readOnly false
          05                    #     configSource 5 (default config)
          00                    #     isSensitive false
          00000001              #     synonyms: 1
            0001 6b 0001 76 05  #       name "k", value "v", source 5
    `);
    expect(encode(describeConfigsApi.response, 1, value)).toEqual(expected);
    expect(normalize(decode(describeConfigsApi.response, 1, expected))).toEqual(normalize(value));
  });

  it('DescribeConfigs v4 request (flexible)', () => {
    const expected = hex(`
      02                        # resources: 1
        02                      #   resourceType 2
        02 74                   #   resourceName "t"
        00                      #   configurationKeys null
        00                      #   tags
      01                        # includeSynonyms true
      00                        # includeDocumentation false
      00                        # tags
    `);
    const value = {
      resources: [{ resourceType: 2, resourceName: 't', configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: false,
    };
    expect(encode(describeConfigsApi.request, 4, value)).toEqual(expected);
    expect(normalize(decode(describeConfigsApi.request, 4, expected))).toEqual(normalize(value));
  });

  it('OffsetFetch v8 request and response (the multi-group shape)', () => {
    const request: OffsetFetchRequest = {
      groupId: '',
      topics: null,
      groups: [
        { groupId: 'g', memberId: null, memberEpoch: -1, topics: null },
        { groupId: 'h', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0] }] },
      ],
      requireStable: true,
    };
    const requestBytes = hex(`
      03                        # groups: 2
        02 67                   #   groupId "g"
        00                      #   topics null (all)
        00                      #   tags
        02 68                   #   groupId "h"
        02                      #   topics: 1
          02 74                 #     name "t"
          02 00000000           #     partitionIndexes [0]
          00                    #     tags
        00                      #   tags
      01                        # requireStable true
      00                        # tags
    `);
    expect(encode(offsetFetchApi.request, 8, request)).toEqual(requestBytes);
    expect(normalize(decode(offsetFetchApi.request, 8, requestBytes))).toEqual(normalize(request));

    const response: OffsetFetchResponse = {
      throttleTimeMs: 0,
      topics: [],
      errorCode: 0,
      groups: [
        {
          groupId: 'g',
          topics: [
            {
              name: 't',
              partitions: [
                { partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: 2, metadata: '', errorCode: 0 },
              ],
            },
          ],
          errorCode: 0,
        },
      ],
    };
    const responseBytes = hex(`
      00000000                  # throttleTimeMs 0
      02                        # groups: 1
        02 67                   #   groupId "g"
        02                      #   topics: 1
          02 74                 #     name "t"
          02                    #     partitions: 1
            00000000            #       partitionIndex 0
            0000000000000007    #       committedOffset 7
            00000002            #       committedLeaderEpoch 2
            01                  #       metadata ""
            0000                #       errorCode 0
            00                  #       tags
          00                    #     tags
        0000                    #   errorCode 0
        00                      #   tags
      00                        # tags
    `);
    expect(encode(offsetFetchApi.response, 8, response)).toEqual(responseBytes);
    expect(normalize(decode(offsetFetchApi.response, 8, responseBytes))).toEqual(normalize(response));
  });
});

describe('consumer protocol payloads', () => {
  it('subscription v3 has every field, after its version', () => {
    const value: ConsumerProtocolSubscription = {
      version: 3,
      topics: ['t'],
      userData: Buffer.from([9]),
      ownedPartitions: [{ topic: 't', partitions: [1] }],
      generationId: 4,
      rackId: 'r',
    };
    const expected = hex(`
      0003                      # version 3
      00000001 0001 74          # topics ["t"]
      00000001 09               # userData: 1 byte
      00000001                  # ownedPartitions: 1
        0001 74                 #   topic "t"
        00000001 00000001       #   partitions [1]
      00000004                  # generationId 4
      0001 72                   # rackId "r"
    `);
    expect(encodeConsumerSubscription(value)).toEqual(expected);
    expect(decodeConsumerSubscription(expected)).toEqual(value);
  });

  it('a newer subscription version is read with the newest layout, ignoring what follows', () => {
    const bytes = hex(`
      0007 00000001 0001 74 ffffffff 00000000 ffffffff ffff
      cafe                      # fields of a version we do not know
    `);
    expect(decodeConsumerSubscription(bytes)).toEqual({
      version: 7,
      topics: ['t'],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
  });

  it('assignment round-trips in every version', () => {
    for (let version = 0; version <= 3; version++) {
      const value: ConsumerProtocolAssignment = {
        version,
        assignedPartitions: [
          { topic: 'a', partitions: [0, 2] },
          { topic: 'b', partitions: [] },
        ],
        userData: version % 2 === 0 ? null : Buffer.from('u'),
      };
      expect(decodeConsumerAssignment(encodeConsumerAssignment(value))).toEqual(value);
    }
  });

  it('an empty assignment payload (a member given nothing) reads as no partitions', () => {
    expect(decodeConsumerAssignment(Buffer.alloc(0))).toEqual({ version: 0, assignedPartitions: [], userData: null });
  });

  it('schemas round-trip through the generic generator in every version', () => {
    for (const schema of [consumerProtocolSubscriptionSchema, consumerProtocolAssignmentSchema]) {
      for (const version of versionsOf(schema)) {
        for (let seed = 1; seed <= 3; seed++) {
          const value = generateMessage(schema, version, seed, seed === 1 ? 0 : 0.4);
          const bytes = encode(schema, version, value);
          expect(normalize(decode(schema, version, bytes))).toEqual(normalize(value));
        }
      }
    }
  });

  it('a truncated payload is a protocol error, not a crash', () => {
    expect(() => decodeConsumerSubscription(hex('0000 00000002 0001 74'))).toThrow(/truncated|count/);
  });
});
