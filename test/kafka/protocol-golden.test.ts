// Frames checked byte for byte against encodings worked out by hand from Kafka's protocol rules:
// size prefix, header version per API and version (ApiVersions responses always header v0),
// classic int16/int32 lengths versus compact length+1 varints, and tagged-field sections.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/common/assert.js';
import { ProtocolError } from '../../src/common/errors.js';
import { concat } from '../../src/common/binary/writer.js';
import {
  apiSchemas,
  decodeRequest,
  decodeRequestHeader,
  decodeResponseFrame,
  encodeRequest,
  encodeResponse,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../src/kafka/protocol/index.js';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../../src/kafka/protocol/messages/api-versions.js';
import type { FetchRequest, FetchResponse } from '../../src/kafka/protocol/messages/fetch.js';
import type { MetadataRequest } from '../../src/kafka/protocol/messages/metadata.js';
import type { ProduceRequest } from '../../src/kafka/protocol/messages/produce.js';

/** Hex with spaces and `|` separators for readability. */
function hex(spec: string): Buffer {
  return Buffer.from(spec.replace(/[\s|]/g, ''), 'hex');
}

function frame(chunks: Buffer[]): Buffer {
  return concat(chunks);
}

/** The frame body (after the size prefix), checking the prefix. */
function body(chunks: Buffer[]): Buffer {
  const all = frame(chunks);
  expect(all.readInt32BE(0)).toBe(all.length - 4);
  return all.subarray(4);
}

describe('header versions', () => {
  it('follow the flexible versions of each API, with ApiVersions responses always v0', () => {
    expect(requestHeaderVersion(18, 2)).toBe(1);
    expect(requestHeaderVersion(18, 3)).toBe(2);
    expect(responseHeaderVersion(18, 3)).toBe(0);
    expect(responseHeaderVersion(18, 4)).toBe(0);
    expect(requestHeaderVersion(0, 8)).toBe(1);
    expect(requestHeaderVersion(0, 9)).toBe(2);
    expect(responseHeaderVersion(0, 9)).toBe(1);
    expect(responseHeaderVersion(1, 11)).toBe(0);
    expect(responseHeaderVersion(1, 12)).toBe(1);
    expect(requestHeaderVersion(999, 0)).toBe(1);
  });
});

describe('ApiVersions', () => {
  it('v0 request: header v1 and an empty body', () => {
    const bytes = frame(encodeRequest(18, 0, 7, 'ab', {}));
    expect(bytes).toEqual(hex('0000000c | 0012 0000 00000007 | 0002 6162'));
    const { header, headerVersion, supported, reader } = decodeRequestHeader(bytes.subarray(4));
    expect(header).toEqual({ requestApiKey: 18, requestApiVersion: 0, correlationId: 7, clientId: 'ab' });
    expect(headerVersion).toBe(1);
    expect(supported).toBe(true);
    expect(decodeRequest<ApiVersionsRequest>(18, 0, reader)).toEqual({
      clientSoftwareName: '',
      clientSoftwareVersion: '',
    });
  });

  it('v3 request: header v2 keeps an int16 client id, body uses compact strings', () => {
    const request: ApiVersionsRequest = { clientSoftwareName: 'kcat', clientSoftwareVersion: '1.7' };
    const bytes = frame(encodeRequest(18, 3, 1, 'c', request));
    expect(bytes).toEqual(hex('00000016 | 0012 0003 00000001 | 0001 63 | 00 | 05 6b636174 | 04 312e37 | 00'));
    const { header, reader } = decodeRequestHeader(bytes.subarray(4));
    expect(header.clientId).toBe('c');
    expect(decodeRequest(18, 3, reader)).toEqual(request);
  });

  it('v0 response: int32 array of (key, min, max)', () => {
    const response = { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }] };
    const bytes = frame(encodeResponse(18, 0, 7, response));
    expect(bytes).toEqual(hex('00000010 | 00000007 | 0000 | 00000001 | 0012 0000 0003'));
  });

  it('v3 response: header v0 (no tag byte), compact body, tagged fields only when set', () => {
    const response: Partial<ApiVersionsResponse> = {
      errorCode: 0,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }],
      throttleTimeMs: 0,
    };
    const plain = frame(encodeResponse(18, 3, 7, response));
    expect(plain).toEqual(hex('00000013 | 00000007 | 0000 | 02 | 0012 0000 0003 00 | 00000000 | 00'));

    const withEpoch = frame(encodeResponse(18, 3, 7, { ...response, finalizedFeaturesEpoch: 5 }));
    expect(withEpoch).toEqual(
      hex('0000001d | 00000007 | 0000 | 02 | 0012 0000 0003 00 | 00000000 | 01 | 01 08 0000000000000005'),
    );
    const decoded = decodeResponseFrame<ApiVersionsResponse>(18, 3, withEpoch.subarray(4));
    expect(decoded.correlationId).toBe(7);
    expect(decoded.body.finalizedFeaturesEpoch).toBe(5);
    expect(decoded.body.supportedFeatures).toEqual([]);
    expect(decoded.body.zkMigrationReady).toBe(false);
  });

  it('unsupported versions still yield key, version and correlation id', () => {
    // ApiVersions v9 from a newer client: read as a v1 header so the broker can answer v0.
    const bytes = hex('0012 0009 0000002a | 0003 616263 | 00 | 0100');
    const { header, supported } = decodeRequestHeader(bytes);
    expect(header).toEqual({ requestApiKey: 18, requestApiVersion: 9, correlationId: 42, clientId: 'abc' });
    expect(supported).toBe(false);
    expect(() => decodeRequest(18, 9, decodeRequestHeader(bytes).reader)).toThrow(ProtocolError);
    const unknownApi = decodeRequestHeader(hex('7fff 0000 00000001 ffff'));
    expect(unknownApi.header.requestApiKey).toBe(0x7fff);
    expect(unknownApi.header.clientId).toBeNull();
    expect(unknownApi.supported).toBe(false);
  });
});

describe('Metadata', () => {
  it('v1 request with null topics (all topics)', () => {
    const bytes = frame(encodeRequest(3, 1, 2, 'k', { topics: null }));
    expect(bytes).toEqual(hex('0000000f | 0003 0001 00000002 | 0001 6b | ffffffff'));
    const { reader } = decodeRequestHeader(bytes.subarray(4));
    const request = decodeRequest<MetadataRequest>(3, 1, reader);
    expect(request.topics).toBeNull();
    expect(request.allowAutoTopicCreation).toBe(true);
  });

  it('v0 request with an empty topic list', () => {
    const { reader } = decodeRequestHeader(hex('0003 0000 00000002 ffff | 00000000'));
    expect(decodeRequest<MetadataRequest>(3, 0, reader).topics).toEqual([]);
  });

  it('refuses null topics in v0, where they are not nullable', () => {
    const { reader } = decodeRequestHeader(hex('0003 0000 00000002 ffff | ffffffff'));
    expect(() => decodeRequest(3, 0, reader)).toThrow(ProtocolError);
  });
});

describe('Produce', () => {
  const records = hex('aabbcc');

  it('v3 request: classic strings, int32 counts, records as int32-length bytes', () => {
    const request: ProduceRequest = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    };
    const b = body(encodeRequest(0, 3, 9, 'p', request));
    expect(b).toEqual(
      hex(
        '0000 0003 00000009 0001 70 | ffff | ffff | 00007530 | 00000001 | 0001 74 | 00000001 | 00000000 | 00000003 aabbcc',
      ),
    );
    const { reader } = decodeRequestHeader(b);
    expect(decodeRequest<ProduceRequest>(0, 3, reader)).toEqual(request);
  });

  it('v9 request: compact everything, a tag section per struct, header v2', () => {
    const request: ProduceRequest = {
      transactionalId: 'tx',
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 2, records }] }],
    };
    const b = body(encodeRequest(0, 9, 9, 'p', request));
    expect(b).toEqual(
      hex(
        '0000 0009 00000009 0001 70 00 | 03 7478 | 0001 | 000003e8 | 02 | 02 74 | 02 | 00000002 | 04 aabbcc | 00 | 00 | 00',
      ),
    );
    const { reader, headerVersion } = decodeRequestHeader(b);
    expect(headerVersion).toBe(2);
    const decoded = decodeRequest<ProduceRequest>(0, 9, reader);
    expect(decoded).toEqual(request);
    // The records are a view into the frame, not a copy.
    const decodedRecords = decoded.topicData[0]!.partitionData[0]!.records as Buffer;
    expect(decodedRecords.buffer).toBe(b.buffer);
  });
});

describe('Fetch responses', () => {
  it('v4: lastStableOffset, null abortedTransactions, records', () => {
    const response: Partial<FetchResponse> = {
      throttleTimeMs: 0,
      responses: [
        {
          topic: 't',
          topicId: '00000000-0000-0000-0000-000000000000',
          partitions: [
            {
              partitionIndex: 1,
              errorCode: 0,
              highWatermark: 10,
              lastStableOffset: 10,
              logStartOffset: -1,
              divergingEpoch: { epoch: -1, endOffset: -1 },
              currentLeader: { leaderId: -1, leaderEpoch: -1 },
              snapshotId: { endOffset: -1, epoch: -1 },
              abortedTransactions: null,
              preferredReadReplica: -1,
              records: [hex('0102'), hex('03')],
            },
          ],
        },
      ],
    };
    const b = body(encodeResponse(1, 4, 5, response));
    expect(b).toEqual(
      hex(
        '00000005 | 00000000 | 00000001 | 0001 74 | 00000001 | 00000001 | 0000 | 000000000000000a | 000000000000000a | ffffffff | 00000003 010203',
      ),
    );
    const decoded = decodeResponseFrame<FetchResponse>(1, 4, b);
    expect(decoded.body.responses[0]!.partitions[0]!.records).toEqual(hex('010203'));
  });

  it('v12: header v1, compact body, tagged currentLeader', () => {
    const partition = {
      partitionIndex: 0,
      errorCode: 6,
      highWatermark: 1,
      lastStableOffset: 1,
      logStartOffset: 0,
      currentLeader: { leaderId: 1, leaderEpoch: 5 },
      abortedTransactions: null,
      preferredReadReplica: -1,
      records: null,
    };
    const response = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [{ topic: 't', partitions: [partition] }],
    };
    const b = body(encodeResponse(1, 12, 5, response));
    expect(b).toEqual(
      hex(
        [
          '00000005 00', // response header v1
          '00000000 | 0000 | 00000000', // throttle, error, session
          '02 | 02 74 | 02', // one topic 't', one partition
          '00000000 | 0006 | 0000000000000001 | 0000000000000001 | 0000000000000000',
          '00 | ffffffff | 00', // null aborted, preferred replica, null records
          '01 | 01 09 | 00000001 00000005 00', // tag 1 currentLeader
          '00 | 00', // topic tags, response tags
        ].join(''),
      ),
    );
    const decoded = decodeResponseFrame<FetchResponse>(1, 12, b).body;
    const p = decoded.responses[0]!.partitions[0]!;
    expect(p.currentLeader).toEqual({ leaderId: 1, leaderEpoch: 5 });
    expect(p.divergingEpoch).toEqual({ epoch: -1, endOffset: -1 });
    expect(p.records).toBeNull();
  });

  it('places record batches in the output vector without copying them', () => {
    const batch = Buffer.alloc(64 * 1024, 1);
    const partition = { partitionIndex: 0, errorCode: 0, highWatermark: 1, records: [batch] };
    for (const version of [4, 11, 12]) {
      const chunks = encodeResponse(1, version, 1, { responses: [{ topic: 't', partitions: [partition] }] });
      expect(chunks).toContain(batch);
      const all = concat(chunks);
      expect(all.readInt32BE(0)).toBe(all.length - 4);
    }
  });

  it('keeps unknown tagged fields and writes them back in tag order', () => {
    const b = hex(
      [
        '00000005 00',
        '00000000 | 0000 | 00000000',
        '02 | 02 74 | 02',
        '00000000 | 0000 | 0000000000000001 | 0000000000000001 | 0000000000000000',
        '00 | ffffffff | 00',
        '02 | 01 09 00000001 00000005 00 | 07 02 abcd', // currentLeader, unknown tag 7
        '00 | 01 | 05 01 ee', // response-level unknown tag 5
      ].join(''),
    );
    const decoded = decodeResponseFrame<FetchResponse>(1, 12, b).body;
    expect(decoded.unknownTaggedFields).toEqual([{ tag: 5, data: hex('ee') }]);
    expect(decoded.responses[0]!.partitions[0]!.unknownTaggedFields).toEqual([{ tag: 7, data: hex('abcd') }]);
    expect(body(encodeResponse(1, 12, 5, decoded))).toEqual(b);
  });
});

describe('defaults and programming errors', () => {
  it('fields absent from a version decode to their defaults', () => {
    // Fetch v0: replicaId, maxWaitMs, minBytes, one topic with one partition.
    const frame = hex(
      '0001 0000 00000001 ffff | ffffffff 000001f4 00000001 | 00000001 0001 74 | 00000001 00000000 0000000000000005 00010000',
    );
    const { reader } = decodeRequestHeader(frame);
    const request = decodeRequest<FetchRequest>(1, 0, reader);
    expect(request).toMatchObject({
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1 },
      maxWaitMs: 500,
      maxBytes: 0x7fffffff,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      forgottenTopicsData: [],
      rackId: '',
    });
    expect(request.topics[0]).toEqual({
      topic: 't',
      topicId: '00000000-0000-0000-0000-000000000000',
      partitions: [
        {
          partition: 0,
          currentLeaderEpoch: -1,
          fetchOffset: 5,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes: 65536,
          replicaDirectoryId: '00000000-0000-0000-0000-000000000000',
        },
      ],
    });
  });

  it('asserts on null where the version does not allow it', () => {
    expect(() => encodeResponse(3, 0, 1, { brokers: null, topics: [] })).toThrow(AssertionError);
    expect(() => encodeResponse(3, 1, 1, { brokers: [{ nodeId: 1, host: null, port: 1 }], topics: [] })).toThrow(
      AssertionError,
    );
  });
});

describe('AddRaftVoter and RemoveRaftVoter', () => {
  const zeroUuid = '00000000000000000000000000000000';
  it('AddRaftVoter v1 request: header v2, compact nullable cluster id, listeners, AckWhenCommitted', () => {
    const request = {
      clusterId: 'c',
      timeoutMs: 1000,
      voterId: 4,
      voterDirectoryId: '00000000-0000-0000-0000-000000000000',
      listeners: [{ name: 'X', host: 'h', port: 9091 }],
      ackWhenCommitted: true,
    };
    const bytes = body(encodeRequest(80, 1, 7, 'ab', request));
    expect(bytes).toEqual(
      hex(
        `0050 0001 00000007 0002 6162 00 | 02 63 | 000003e8 | 00000004 | ${zeroUuid} |` +
          ' 02 | 02 58 | 02 68 | 2383 | 00 | 01 | 00',
      ),
    );
    const { reader, header } = decodeRequestHeader(bytes);
    expect(decodeRequest(header.requestApiKey, header.requestApiVersion, reader)).toEqual(request);
  });

  it('AddRaftVoter v0 has no AckWhenCommitted; RemoveRaftVoter v0 a null cluster id', () => {
    const add = body(
      encodeRequest(80, 0, 7, 'ab', {
        clusterId: null,
        timeoutMs: 0,
        voterId: 4,
        voterDirectoryId: '00000000-0000-0000-0000-000000000000',
        listeners: [],
        ackWhenCommitted: true,
      }),
    );
    expect(add).toEqual(hex(`0050 0000 00000007 0002 6162 00 | 00 | 00000000 | 00000004 | ${zeroUuid} | 01 | 00`));
    const remove = body(
      encodeRequest(81, 0, 7, 'ab', {
        clusterId: null,
        voterId: 2,
        voterDirectoryId: '00000000-0000-0000-0000-000000000000',
      }),
    );
    expect(remove).toEqual(hex(`0051 0000 00000007 0002 6162 00 | 00 | 00000002 | ${zeroUuid} | 00`));
  });
});

describe('registry', () => {
  it('has the schemas of every API the broker serves', () => {
    for (const key of [
      0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 32, 33, 37, 42, 44, 47, 55, 80, 81,
    ]) {
      expect(apiSchemas.has(key), `api key ${key}`).toBe(true);
    }
  });
});
