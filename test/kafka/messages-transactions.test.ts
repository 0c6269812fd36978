// The transaction schemas of the partition side: WriteTxnMarkers (27), TxnOffsetCommit (28) and
// DescribeProducers (61). Shapes as Kafka 3.x declares them, bytes worked out by hand from
// Kafka's protocol rules for one classic and one flexible version each, and the real clients'
// encoders and decoders (kafkajs's TxnOffsetCommit v0/v1, @platformatic/kafka's TxnOffsetCommit
// v3 and DescribeProducers v0) against ours. Every version also round-trips in
// protocol-properties.test.ts, which walks the whole registry.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/common/binary/reader.js';
import { concat } from '../../src/common/binary/writer.js';
import { decodeMessage, encodeMessageToBuffers } from '../../src/common/index.js';
import { apiSchemas, decodeRequest, encodeResponse } from '../../src/kafka/protocol/index.js';
import type { DescribeProducersRequest } from '../../src/kafka/protocol/messages/describe-producers.js';
import type { TxnOffsetCommitRequest } from '../../src/kafka/protocol/messages/txn-offset-commit.js';
import type { WriteTxnMarkersRequest } from '../../src/kafka/protocol/messages/write-txn-markers.js';

const require = createRequire(import.meta.url);

function hex(text: string): Buffer {
  const digits = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  expect(digits).toMatch(/^([0-9a-f]{2})*$/);
  return Buffer.from(digits, 'hex');
}

function encodeBody(apiKey: number, kind: 'request' | 'response', version: number, value: object): Buffer {
  const api = apiSchemas.get(apiKey)!;
  return concat(encodeMessageToBuffers(api[kind], version, value));
}

function decodeBody(apiKey: number, kind: 'request' | 'response', version: number, bytes: Buffer) {
  const api = apiSchemas.get(apiKey)!;
  const reader = new Reader(bytes);
  const value = decodeMessage(api[kind], version, reader);
  expect(reader.remaining).toBe(0);
  return value;
}

describe('shapes', () => {
  it('declare the keys, versions and flexible versions of Kafka 3.x', () => {
    const expected: [number, string, string, string][] = [
      [27, 'WriteTxnMarkers', '0-1', '1+'],
      [28, 'TxnOffsetCommit', '0-4', '3+'],
      [61, 'DescribeProducers', '0', '0+'],
    ];
    for (const [key, name, valid, flexible] of expected) {
      const api = apiSchemas.get(key)!;
      expect(api.name).toBe(name);
      for (const schema of [api.request, api.response]) {
        expect(schema.validVersions).toBe(valid);
        expect(schema.flexibleVersions).toBe(flexible);
      }
    }
  });
});

describe('golden bytes', () => {
  const markers: WriteTxnMarkersRequest = {
    markers: [
      {
        producerId: 7,
        producerEpoch: 2,
        transactionResult: true,
        topics: [{ name: 'ab', partitionIndexes: [0, 3] }],
        coordinatorEpoch: 5,
      },
    ],
  };

  it('WriteTxnMarkers v0 request (classic) and v1 request (flexible)', () => {
    const v0 = hex(`
      00000001                   # markers: 1
      0000000000000007 0002 01   # producerId 7, epoch 2, COMMIT
      00000001 0002 6162         # topics: 1, "ab"
      00000002 00000000 00000003 # partitions [0, 3]
      00000005                   # coordinatorEpoch 5
    `);
    expect(encodeBody(27, 'request', 0, markers)).toEqual(v0);
    expect(decodeBody(27, 'request', 0, v0)).toEqual(markers);
    const v1 = hex(`
      02                          # markers: 1 (compact: n+1)
      0000000000000007 0002 01
      02 03 6162                  # topics: 1, compact "ab"
      03 00000000 00000003 00     # partitions [0, 3]; topic tags
      00000005 00                 # coordinatorEpoch; marker tags
      00                          # request tags
    `);
    expect(encodeBody(27, 'request', 1, markers)).toEqual(v1);
  });

  it('WriteTxnMarkers v1 response', () => {
    const response = {
      markers: [{ producerId: 7, topics: [{ name: 'ab', partitions: [{ partitionIndex: 3, errorCode: 52 }] }] }],
    };
    const v1 = hex(`
      02 0000000000000007        # markers: 1; producerId 7
      02 03 6162                 # topics: 1, "ab"
      02 00000003 0034 00        # partition 3, TRANSACTION_COORDINATOR_FENCED; tags
      00 00 00                   # topic, marker, response tags
    `);
    expect(encodeBody(27, 'response', 1, response)).toEqual(v1);
  });

  it('TxnOffsetCommit v2 request (leader epoch, classic) and v3 request (member, generation, flexible)', () => {
    const request = {
      transactionalId: 't',
      groupId: 'g',
      producerId: 9,
      producerEpoch: 1,
      generationId: 4,
      memberId: 'm',
      groupInstanceId: null,
      topics: [
        {
          name: 'x',
          partitions: [{ partitionIndex: 1, committedOffset: 10, committedLeaderEpoch: 2, committedMetadata: null }],
        },
      ],
    };
    const v2 = hex(`
      0001 74 0001 67                          # "t", "g"
      0000000000000009 0001                    # producerId 9, epoch 1
      00000001 0001 78                         # topics: 1, "x"
      00000001 00000001 000000000000000a       # partitions: 1; index 1, offset 10
      00000002 ffff                            # leader epoch 2, metadata null
    `);
    expect(encodeBody(28, 'request', 2, request)).toEqual(v2);
    expect(decodeBody(28, 'request', 2, v2)).toEqual({
      ...request,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
    });
    const v3 = hex(`
      02 74 02 67 0000000000000009 0001        # "t", "g", producerId, epoch
      00000004 02 6d 00                        # generation 4, member "m", instance null
      02 02 78                                 # topics: 1, "x"
      02 00000001 000000000000000a 00000002 00 00   # partition, metadata null, partition tags
      00 00                                    # topic tags, request tags
    `);
    expect(encodeBody(28, 'request', 3, request)).toEqual(v3);
    expect(decodeBody(28, 'request', 3, v3)).toEqual(request);
  });

  it('DescribeProducers v0 request and response', () => {
    const request = { topics: [{ name: 'x', partitionIndexes: [0] }] };
    const bytes = hex('02 02 78 02 00000000 00 00');
    expect(encodeBody(61, 'request', 0, request)).toEqual(bytes);
    expect(decodeBody(61, 'request', 0, bytes)).toEqual(request);
    const response = {
      throttleTimeMs: 0,
      topics: [
        {
          name: 'x',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              errorMessage: null,
              activeProducers: [
                {
                  producerId: 5,
                  producerEpoch: 1,
                  lastSequence: 9,
                  lastTimestamp: 16,
                  coordinatorEpoch: 3,
                  currentTxnStartOffset: -1,
                },
              ],
            },
          ],
        },
      ],
    };
    const out = hex(`
      00000000 02 02 78                     # throttle, topics: 1, "x"
      02 00000000 0000 00                   # partitions: 1; index 0, NONE, message null
      02 0000000000000005 00000001          # producers: 1; id 5, epoch 1 (int32)
      00000009 0000000000000010 00000003    # last sequence 9, last timestamp 16, coordinator epoch 3
      ffffffffffffffff 00                   # no open transaction; producer tags
      00 00 00                              # partition, topic, response tags
    `);
    expect(encodeBody(61, 'response', 0, response)).toEqual(out);
    expect(decodeBody(61, 'response', 0, out)).toEqual(response);
  });
});

describe('real clients', () => {
  type Encodable = (args: unknown) => { encode: () => Promise<{ buffer: Buffer }> };

  it.each([0, 1])('kafkajs TxnOffsetCommit v%i requests decode', async (version) => {
    const request = require(`kafkajs/src/protocol/requests/txnOffsetCommit/v${version}/request`) as Encodable;
    const encoded = await request({
      transactionalId: 'tx-1',
      groupId: 'g',
      producerId: '4000',
      producerEpoch: 2,
      topics: [{ topic: 'orders', partitions: [{ partition: 1, offset: '17', metadata: null }] }],
    }).encode();
    const decoded = decodeRequest<TxnOffsetCommitRequest>(28, version, new Reader(encoded.buffer));
    expect(decoded).toMatchObject({ transactionalId: 'tx-1', groupId: 'g', producerId: 4000, producerEpoch: 2 });
    expect(decoded.topics[0]!.partitions[0]).toMatchObject({ partitionIndex: 1, committedOffset: 17 });
  });

  const plt = '../../node_modules/@platformatic/kafka/dist';
  interface PltModule {
    createRequest: (...args: unknown[]) => { buffer: Buffer };
    parseResponse: (correlationId: number, apiKey: number, apiVersion: number, reader: unknown) => unknown;
  }
  const load = async (file: string) => (await import(`${plt}/${file}`)) as PltModule;
  const pltReader = async () =>
    ((await import(`${plt}/protocol/reader.js`)) as { Reader: { from: (b: Buffer) => unknown } }).Reader;

  it('@platformatic/kafka TxnOffsetCommit v3 request decodes; our v3 response parses', async () => {
    const api = await load('apis/producer/txn-offset-commit-v3.js');
    const bytes = api.createRequest('tx', 'g', 11n, 3, 7, 'member-1', null, [
      {
        name: 'orders',
        partitions: [{ partitionIndex: 2, committedOffset: 99n, committedLeaderEpoch: 4, committedMetadata: 'm' }],
      },
    ]).buffer;
    const decoded = decodeRequest<TxnOffsetCommitRequest>(28, 3, new Reader(bytes));
    expect(decoded).toMatchObject({ transactionalId: 'tx', producerId: 11, producerEpoch: 3, generationId: 7 });
    expect(decoded.memberId).toBe('member-1');
    expect(decoded.topics[0]!.partitions[0]).toEqual({
      partitionIndex: 2,
      committedOffset: 99,
      committedLeaderEpoch: 4,
      committedMetadata: 'm',
    });
    const frame = concat(
      encodeResponse(28, 3, 1, {
        throttleTimeMs: 0,
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, errorCode: 0 }] }],
      }),
    );
    const Reader_ = await pltReader();
    // Response header v1 (flexible): correlation id and a tag section.
    const parsed = api.parseResponse(1, 28, 3, Reader_.from(frame.subarray(4 + 5))) as { topics: unknown[] };
    expect(parsed.topics).toEqual([{ name: 'orders', partitions: [{ partitionIndex: 2, errorCode: 0 }] }]);
  });

  it('@platformatic/kafka DescribeProducers v0 request decodes; our response parses', async () => {
    const api = await load('apis/admin/describe-producers-v0.js');
    const decoded = decodeRequest<DescribeProducersRequest>(
      61,
      0,
      new Reader(api.createRequest([{ name: 'orders', partitionIndexes: [0, 1] }]).buffer),
    );
    expect(decoded).toEqual({ topics: [{ name: 'orders', partitionIndexes: [0, 1] }] });
    const frame = concat(
      encodeResponse(61, 0, 1, {
        throttleTimeMs: 0,
        topics: [
          {
            name: 'orders',
            partitions: [
              {
                partitionIndex: 0,
                errorCode: 0,
                errorMessage: null,
                activeProducers: [
                  {
                    producerId: 5,
                    producerEpoch: 1,
                    lastSequence: 3,
                    lastTimestamp: 1000,
                    coordinatorEpoch: 2,
                    currentTxnStartOffset: 40,
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const Reader_ = await pltReader();
    const parsed = api.parseResponse(1, 61, 0, Reader_.from(frame.subarray(4 + 5))) as {
      topics: { partitions: { activeProducers: Record<string, unknown>[] }[] }[];
    };
    expect(parsed.topics[0]!.partitions[0]!.activeProducers[0]).toMatchObject({
      producerEpoch: 1,
      lastSequence: 3,
      coordinatorEpoch: 2,
    });
    expect(String(parsed.topics[0]!.partitions[0]!.activeProducers[0]!['currentTxnStartOffset'])).toBe('40');
  });
});
