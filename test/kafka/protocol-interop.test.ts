// Cross-checks against the codecs of real clients installed as dev dependencies: requests encoded
// by @platformatic/kafka (flexible versions) and kafkajs (classic versions) decode here to what
// the client meant, and responses encoded here parse in those clients. These are the bytes the
// broker will see and send in production.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/common/binary/reader.js';
import { concat } from '../../src/common/binary/writer.js';
import { decodeRequest, encodeResponse } from '../../src/kafka/protocol/index.js';
import type { ApiVersionsRequest } from '../../src/kafka/protocol/messages/api-versions.js';
import type { FetchRequest, FetchResponse } from '../../src/kafka/protocol/messages/fetch.js';
import type { MetadataRequest, MetadataResponse } from '../../src/kafka/protocol/messages/metadata.js';
import type { ProduceRequest, ProduceResponse } from '../../src/kafka/protocol/messages/produce.js';
import type { OffsetCommitRequest } from '../../src/kafka/protocol/messages/offset-commit.js';
import {
  batchesToMessageSet,
  buildRecordBatch,
  compressionOf,
  decodeRecords,
  messageSetToBatch,
  readBatchHeader,
} from '../../src/storage/index.js';

// platformatic's per-version API modules are not in its package exports: load them by path.
const plt = '../../node_modules/@platformatic/kafka/dist';
interface PltWriter {
  buffer: Buffer;
}
interface PltModule {
  createRequest: (...args: unknown[]) => PltWriter;
  parseResponse: (
    correlationId: number,
    apiKey: number,
    apiVersion: number,
    reader: unknown,
  ) => Record<string, unknown>;
}
const load = async (path: string): Promise<PltModule> => (await import(`${plt}/${path}`)) as PltModule;
const pltReader = async (): Promise<{ from: (b: Buffer) => unknown }> =>
  ((await import(`${plt}/protocol/reader.js`)) as { Reader: { from: (b: Buffer) => unknown } }).Reader;
const pltRecords = async (): Promise<{
  createRecordsBatch: (messages: unknown[]) => { buffer?: Buffer; slice?: () => Buffer };
}> => (await import(`${plt}/protocol/records.js`)) as never;

const require = createRequire(import.meta.url);

/** A response body (after the response header) from an encoded frame. */
function responseBody(chunks: Buffer[], headerBytes: number): Buffer {
  return concat(chunks).subarray(4 + headerBytes);
}

describe('@platformatic/kafka (flexible versions)', () => {
  it('ApiVersions v3 request decodes; our v3 response (header v0) parses', async () => {
    const api = await load('apis/metadata/api-versions-v3.js');
    const request = decodeRequest<ApiVersionsRequest>(
      18,
      3,
      new Reader(api.createRequest('plt-kafka', '1.35.0').buffer),
    );
    expect(request).toEqual({ clientSoftwareName: 'plt-kafka', clientSoftwareVersion: '1.35.0' });

    const frame = encodeResponse(18, 3, 1, {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 3, maxVersion: 9 },
        { apiKey: 18, minVersion: 0, maxVersion: 3 },
      ],
      throttleTimeMs: 0,
    });
    const Reader_ = await pltReader();
    const parsed = api.parseResponse(1, 18, 3, Reader_.from(responseBody(frame, 4)));
    expect(parsed['apiKeys']).toMatchObject([
      { apiKey: 0, minVersion: 3, maxVersion: 9 },
      { apiKey: 18, minVersion: 0, maxVersion: 3 },
    ]);
  });

  it('Metadata v9 request decodes; our v9 response parses', async () => {
    const api = await load('apis/metadata/metadata-v9.js');
    const request = decodeRequest<MetadataRequest>(3, 9, new Reader(api.createRequest(['a', 'b'], true, false).buffer));
    expect(request.topics?.map((t) => t.name)).toEqual(['a', 'b']);
    expect(request.allowAutoTopicCreation).toBe(true);

    const response: Partial<MetadataResponse> = {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
      clusterId: 'brook',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 'a',
          topicId: '00000000-0000-0000-0000-000000000000',
          isInternal: false,
          partitions: [
            {
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 1,
              leaderEpoch: 3,
              replicaNodes: [1],
              isrNodes: [1],
              offlineReplicas: [],
            },
          ],
          topicAuthorizedOperations: -2147483648,
        },
      ],
    };
    const Reader_ = await pltReader();
    const parsed = api.parseResponse(1, 3, 9, Reader_.from(responseBody(encodeResponse(3, 9, 1, response), 5)));
    expect(parsed['brokers']).toEqual([{ nodeId: 1, host: 'localhost', port: 9092, rack: null }]);
    const topics = parsed['topics'] as { name: string; partitions: { leaderEpoch: number; isrNodes: number[] }[] }[];
    expect(topics[0]!.name).toBe('a');
    expect(topics[0]!.partitions[0]!.leaderEpoch).toBe(3);
    expect(topics[0]!.partitions[0]!.isrNodes).toEqual([1]);
  });

  it('Produce v9 request with a real record batch decodes; our v9 response parses', async () => {
    const api = await load('apis/producer/produce-v9.js');
    const writer = api.createRequest(-1, 5000, [
      { topic: 'orders', partition: 2, key: Buffer.from('k'), value: Buffer.from('v1') },
      { topic: 'orders', partition: 2, key: Buffer.from('k'), value: Buffer.from('v2') },
    ]);
    const request = decodeRequest<ProduceRequest>(0, 9, new Reader(writer.buffer));
    expect(request.acks).toBe(-1);
    expect(request.timeoutMs).toBe(5000);
    expect(request.transactionalId).toBeNull();
    const partition = request.topicData[0]!.partitionData[0]!;
    expect(request.topicData[0]!.name).toBe('orders');
    expect(partition.index).toBe(2);
    const batch = partition.records as Buffer;
    // Record batch v2: batchLength at offset 8 covers the rest, magic 2 at offset 16, 2 records.
    expect(batch.readInt32BE(8)).toBe(batch.length - 12);
    expect(batch.readInt8(16)).toBe(2);
    expect(batch.readInt32BE(57)).toBe(2);

    const response: Partial<ProduceResponse> = {
      responses: [
        {
          name: 'orders',
          partitionResponses: [
            {
              index: 2,
              errorCode: 0,
              baseOffset: 41,
              logAppendTimeMs: -1,
              logStartOffset: 0,
              recordErrors: [],
              errorMessage: null,
              currentLeader: { leaderId: -1, leaderEpoch: -1 },
            },
          ],
        },
      ],
      throttleTimeMs: 0,
    };
    const Reader_ = await pltReader();
    const parsed = api.parseResponse(1, 0, 9, Reader_.from(responseBody(encodeResponse(0, 9, 1, response), 5)));
    const pr = (parsed['responses'] as { partitionResponses: { baseOffset: bigint }[] }[])[0]!.partitionResponses[0]!;
    expect(pr.baseOffset).toBe(41n);
  });

  it('Fetch v12 request decodes; our v12 response with stored batches parses into records', async () => {
    const api = await load('apis/consumer/fetch-v12.js');
    const request = decodeRequest<FetchRequest>(
      1,
      12,
      new Reader(
        api.createRequest(
          500,
          1,
          1048576,
          1,
          0,
          -1,
          [
            {
              topicId: 'orders',
              partitions: [
                {
                  partition: 0,
                  currentLeaderEpoch: 4,
                  fetchOffset: 10n,
                  lastFetchedEpoch: 4,
                  partitionMaxBytes: 65536,
                },
              ],
            },
          ],
          [],
          '',
        ).buffer,
      ),
    );
    expect(request.replicaId).toBe(-1);
    expect(request.maxWaitMs).toBe(500);
    expect(request.isolationLevel).toBe(1);
    expect(request.topics[0]!.topic).toBe('orders');
    expect(request.topics[0]!.partitions[0]).toMatchObject({
      partition: 0,
      currentLeaderEpoch: 4,
      fetchOffset: 10,
      lastFetchedEpoch: 4,
    });

    const { createRecordsBatch } = await pltRecords();
    const produced = createRecordsBatch([
      { topic: 'orders', partition: 0, key: Buffer.from('k'), value: Buffer.from('hello') },
    ]);
    const batch = Buffer.isBuffer(produced)
      ? produced
      : ((produced as { buffer?: Buffer }).buffer ?? (produced as { slice: () => Buffer }).slice());
    const response: Partial<FetchResponse> = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 'orders',
          topicId: '00000000-0000-0000-0000-000000000000',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 1,
              lastStableOffset: 1,
              logStartOffset: 0,
              divergingEpoch: { epoch: -1, endOffset: -1 },
              currentLeader: { leaderId: -1, leaderEpoch: -1 },
              snapshotId: { endOffset: -1, epoch: -1 },
              abortedTransactions: [],
              preferredReadReplica: -1,
              records: [batch],
            },
          ],
        },
      ],
    };
    const Reader_ = await pltReader();
    const parsed = api.parseResponse(1, 1, 12, Reader_.from(responseBody(encodeResponse(1, 12, 1, response), 5)));
    const partitions = (parsed['responses'] as { partitions: { records: { records: { value: Buffer }[] }[] }[] }[])[0]!
      .partitions;
    expect(partitions[0]!.records[0]!.records[0]!.value.toString()).toBe('hello');
  });
});

describe('kafkajs (classic versions)', () => {
  it('Metadata v1 request with all topics decodes', async () => {
    const request = require('kafkajs/src/protocol/requests/metadata/v1/request') as (args: {
      topics: string[] | null;
    }) => {
      encode: () => Promise<{ buffer: Buffer }>;
    };
    // kafkajs writes an empty topic list as null (-1): "all topics".
    const encoded = await request({ topics: [] }).encode();
    expect(decodeRequest<MetadataRequest>(3, 1, new Reader(encoded.buffer)).topics).toBeNull();
    const some = await request({ topics: ['x'] }).encode();
    expect(decodeRequest<MetadataRequest>(3, 1, new Reader(some.buffer)).topics).toEqual([
      { topicId: '00000000-0000-0000-0000-000000000000', name: 'x' },
    ]);
  });

  it('our Fetch v4 response decodes in kafkajs, records included', async () => {
    const { createRecordsBatch } = await pltRecords();
    const produced = createRecordsBatch([
      { topic: 't', partition: 0, key: Buffer.from('k'), value: Buffer.from('world') },
    ]);
    const batch = Buffer.isBuffer(produced)
      ? produced
      : ((produced as { buffer?: Buffer }).buffer ?? (produced as { slice: () => Buffer }).slice());
    const frame = encodeResponse(1, 4, 1, {
      throttleTimeMs: 0,
      responses: [
        {
          topic: 't',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 1,
              lastStableOffset: 1,
              abortedTransactions: null,
              records: [batch],
            },
          ],
        },
      ],
    });
    const response = require('kafkajs/src/protocol/requests/fetch/v4/response') as {
      decode: (b: Buffer) => Promise<{
        responses: { topicName: string; partitions: { highWatermark: string; messages: { value: Buffer }[] }[] }[];
      }>;
    };
    const decoded = await response.decode(responseBody(frame, 4));
    expect(decoded.responses[0]!.topicName).toBe('t');
    expect(decoded.responses[0]!.partitions[0]!.highWatermark).toBe('1');
    expect(decoded.responses[0]!.partitions[0]!.messages[0]!.value.toString()).toBe('world');
  });

  it('Produce v3 request decodes with its record batch intact', async () => {
    const request = require('kafkajs/src/protocol/requests/produce/v3/request') as (args: unknown) => {
      encode: () => Promise<{ buffer: Buffer }>;
    };
    const encoded = await request({
      acks: 1,
      timeout: 1000,
      topicData: [{ topic: 't', partitions: [{ partition: 3, messages: [{ key: 'k', value: 'v', timestamp: 1 }] }] }],
    }).encode();
    const decoded = decodeRequest<ProduceRequest>(0, 3, new Reader(encoded.buffer));
    expect(decoded.acks).toBe(1);
    expect(decoded.topicData[0]!.partitionData[0]!.index).toBe(3);
    const batch = decoded.topicData[0]!.partitionData[0]!.records as Buffer;
    expect(batch.readInt8(16)).toBe(2);
    expect(batch.readInt32BE(57)).toBe(1);
  });
});

// The versions for clients older than Kafka 0.11 (KIP-896 removed them in Kafka 4): kafkajs's
// v0-2 encoders write message formats v0/v1, which decode here and convert to the records meant;
// its v0-3 Fetch decoders read the message sets Brook converts its batches down to.
describe('kafkajs (the versions Kafka 4 removed)', () => {
  type Encodable = (args: unknown) => { encode: () => Promise<{ buffer: Buffer }> };

  it.each([0, 1, 2])('Produce v%i message sets (gzip too) decode and convert to the records sent', async (version) => {
    const request = require(`kafkajs/src/protocol/requests/produce/v${version}/request`) as Encodable;
    for (const compression of [0, 1]) {
      const encoded = await request({
        acks: -1,
        timeout: 1000,
        compression,
        topicData: [
          {
            topic: 't',
            partitions: [
              {
                partition: 0,
                messages: [
                  { key: 'a', value: 'one', timestamp: 1_600_000_000_000 },
                  { key: null, value: 'two', timestamp: 1_600_000_000_001 },
                ],
              },
            ],
          },
        ],
      }).encode();
      const decoded = decodeRequest<ProduceRequest>(0, version, new Reader(encoded.buffer));
      const set = decoded.topicData[0]!.partitionData[0]!.records as Buffer;
      const { batch, magic } = messageSetToBatch(set, null);
      expect(magic).toBe(version === 2 ? 1 : 0);
      // kafkajs compresses from v2 only.
      expect(compressionOf(readBatchHeader(batch).attributes)).toBe(version === 2 ? compression : 0);
      const records = decodeRecords(batch);
      expect(records.map((r) => [r.key?.toString() ?? null, r.value?.toString()])).toEqual([
        ['a', 'one'],
        [null, 'two'],
      ]);
      expect(records.map((r) => r.timestamp)).toEqual(
        version === 2 ? [1_600_000_000_000, 1_600_000_000_001] : [-1, -1],
      );
    }
  });

  it.each([0, 1, 2, 3])(
    'Fetch v%i requests decode; our responses with converted message sets decode in kafkajs',
    async (version) => {
      const request = require(`kafkajs/src/protocol/requests/fetch/v${version}/request`) as Encodable;
      const encoded = await request({
        replicaId: -1,
        maxWaitTime: 100,
        minBytes: 1,
        maxBytes: 1000,
        topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: '5', maxBytes: 2000 }] }],
      }).encode();
      const decodedRequest = decodeRequest<FetchRequest>(1, version, new Reader(encoded.buffer));
      expect(decodedRequest.topics[0]!.partitions[0]).toMatchObject({
        partition: 0,
        fetchOffset: 5,
        partitionMaxBytes: 2000,
      });
      if (version >= 3) expect(decodedRequest.maxBytes).toBe(1000);
      const magic = version <= 1 ? 0 : 1;
      const stored = [
        buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('plain'), timestamp: 1_650_000_000_000 }], {
          baseOffset: 5,
        }),
        buildRecordBatch(
          [
            { key: null, value: Buffer.from('zipped-1'), timestamp: 1_650_000_000_001 },
            { key: null, value: Buffer.from('zipped-2'), timestamp: 1_650_000_000_002 },
          ],
          { baseOffset: 6, compression: 1 },
        ),
      ];
      const frame = encodeResponse(1, version, 1, {
        throttleTimeMs: 0,
        responses: [
          {
            topic: 't',
            partitions: [
              { partitionIndex: 0, errorCode: 0, highWatermark: 8, records: batchesToMessageSet(stored, magic, 5) },
            ],
          },
        ],
      });
      const response = require(`kafkajs/src/protocol/requests/fetch/v${version}/response`) as {
        decode: (b: Buffer) => Promise<{
          responses: {
            partitions: { highWatermark: string; messages: { offset: string; value: Buffer; magicByte: number }[] }[];
          }[];
        }>;
      };
      const decoded = await response.decode(responseBody(frame, 4));
      const partition = decoded.responses[0]!.partitions[0]!;
      expect(partition.highWatermark).toBe('8');
      expect(partition.messages.map((m) => [m.offset, m.value.toString(), m.magicByte])).toEqual([
        ['5', 'plain', magic],
        ['6', 'zipped-1', magic],
        ['7', 'zipped-2', magic],
      ]);
    },
  );

  it.each([0, 1])('OffsetCommit v%i requests decode', async (version) => {
    const request = require(`kafkajs/src/protocol/requests/offsetCommit/v${version}/request`) as Encodable;
    const encoded = await request({
      groupId: 'g',
      groupGenerationId: 3,
      memberId: 'member-1',
      topics: [
        { topic: 't', partitions: [{ partition: 2, offset: '42', timestamp: 1_600_000_000_000, metadata: 'm' }] },
      ],
    }).encode();
    const decoded = decodeRequest<OffsetCommitRequest>(8, version, new Reader(encoded.buffer));
    expect(decoded.groupId).toBe('g');
    expect(decoded.generationIdOrMemberEpoch).toBe(version === 0 ? -1 : 3);
    expect(decoded.memberId).toBe(version === 0 ? '' : 'member-1');
    expect(decoded.topics[0]!.partitions[0]).toMatchObject({
      partitionIndex: 2,
      committedOffset: 42,
      committedMetadata: 'm',
    });
  });
});
