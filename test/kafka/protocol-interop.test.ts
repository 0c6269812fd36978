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
