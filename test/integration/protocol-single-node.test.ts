// The wire protocol against one real node process, with exact bytes: ApiVersions negotiation,
// CRC checks, idempotent de-duplication, fetch batch boundaries and long polling, pipelining in
// order, and hostile input that must close only the offending connection. All of it three times:
// over PLAINTEXT, over TLS (SSL), and over TLS after a SCRAM login (SASL_SSL), where the hostile
// frames come from an authenticated client and so reach the request handlers.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRequest } from '../../src/kafka/protocol/index.js';
import { buildRecordBatch, decodeRecords } from '../../src/storage/record-codec.js';
import { splitBatches } from '../../src/storage/record-batch.js';
import { makeTestCas } from '../helpers/certs.js';
import { freePort, startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { RawClient, type RawTransport } from '../helpers/raw-client.js';

let node: NodeProcess;
let client: RawClient;
/** How this run's clients reach the node. */
let transport: RawTransport = {};

const TRANSPORTS = ['PLAINTEXT', 'SSL', 'SASL_SSL'] as const;

/** A client of this run's listener, logged in where it takes SASL. */
function openClient(): Promise<RawClient> {
  return RawClient.open(node.kafkaPort, transport);
}

/** A bare socket to this run's listener (TLS where it takes TLS; not logged in). */
function openSocket(onConnect: () => void): Socket {
  if (!transport.tls) return connect({ host: '127.0.0.1', port: node.kafkaPort }, onConnect);
  const options: ConnectionOptions = { host: '127.0.0.1', port: node.kafkaPort, servername: 'localhost' };
  return connectTls({ ...options, ...transport.tls }, onConnect);
}

async function startNode(protocol: (typeof TRANSPORTS)[number]): Promise<void> {
  if (protocol === 'PLAINTEXT') {
    transport = {};
    node = await startSingleNode();
    return;
  }
  const { ca } = makeTestCas();
  const server = ca.issue('localhost', 'server');
  const port = await freePort();
  transport = {
    tls: { ca: readFileSync(ca.cert) },
    ...(protocol === 'SASL_SSL' ? { sasl: { mechanism: 'SCRAM-SHA-256', user: 'tester', password: 't3st' } } : {}),
  };
  node = await startSingleNode({
    kafkaPort: port,
    listeners: `${protocol}://127.0.0.1:${port}`,
    extraArgs: ['--tls-cert', server.cert, '--tls-key', server.key, '--super-users', 'User:tester'],
    env: { BROOK_BOOTSTRAP_USERS: 'tester:t3st' },
  });
}

function batchOf(values: string[], options: Parameters<typeof buildRecordBatch>[1] = {}): Buffer {
  const now = Date.now();
  return buildRecordBatch(
    values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: now })),
    options,
  );
}

async function createTopic(name: string, partitions = 1): Promise<void> {
  const response = await client.request<{ topics: { errorCode: number }[] }>(19, 5, {
    topics: [{ name, numPartitions: partitions, replicationFactor: -1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(response.topics[0]!.errorCode).toBe(0);
}

async function produce(topic: string, batch: Buffer, acks = -1, version = 9) {
  const response = await client.request<{
    responses: { partitionResponses: { errorCode: number; baseOffset: number }[] }[];
  }>(0, version, {
    transactionalId: null,
    acks,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
  });
  return response.responses[0]!.partitionResponses[0]!;
}

interface FetchedPartition {
  errorCode: number;
  highWatermark: number;
  records: Buffer | null;
}

async function fetch(
  topic: string,
  fetchOffset: number,
  options: { maxBytes?: number; maxWaitMs?: number; minBytes?: number } = {},
) {
  const response = await client.request<{ responses: { partitions: FetchedPartition[] }[] }>(1, 11, {
    replicaId: -1,
    maxWaitMs: options.maxWaitMs ?? 0,
    minBytes: options.minBytes ?? 1,
    maxBytes: options.maxBytes ?? 10 * 1024 * 1024,
    isolationLevel: 1,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset,
            logStartOffset: -1,
            partitionMaxBytes: options.maxBytes ?? 1024 * 1024,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
  return response.responses[0]!.partitions[0]!;
}

function offsetsIn(records: Buffer | null): number[] {
  if (!records || records.length === 0) return [];
  return splitBatches(records).flatMap((batch) => decodeRecords(batch).map((r) => r.offset));
}

async function latestOffset(topic: string): Promise<number> {
  const response = await client.request<{ topics: { partitions: { offset: number }[] }[] }>(2, 5, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
  });
  return response.topics[0]!.partitions[0]!.offset;
}

describe.each(TRANSPORTS)('over %s', (protocol) => {
  beforeAll(async () => {
    await startNode(protocol);
    client = await openClient();
  });

  afterAll(async () => {
    client?.close();
    await stopAll();
  });

  describe('ApiVersions', () => {
    it('advertises the versions librdkafka needs to turn its features on', async () => {
      const response = await client.request<{
        errorCode: number;
        apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[];
      }>(18, 3, {
        clientSoftwareName: 'brook-test',
        clientSoftwareVersion: '1.0',
      });
      expect(response.errorCode).toBe(0);
      const range = new Map(response.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
      const includes = (key: number, version: number) => {
        const r = range.get(key);
        return r !== undefined && r[0]! <= version && version <= r[1]!;
      };
      expect(includes(0, 3) && includes(0, 7)).toBe(true); // Produce: MsgVer2 and ZSTD
      expect(includes(1, 4) && includes(1, 10)).toBe(true); // Fetch: MsgVer2 and ZSTD
      expect(includes(10, 0)).toBe(true); // FindCoordinator 0: groups and LZ4
      expect(includes(22, 0)).toBe(true); // InitProducerId 0: idempotence
      expect(includes(18, 0)).toBe(true);
      expect(range.get(3)).toEqual([0, 9]); // Metadata without topic ids
      expect(range.get(1)).toEqual([0, 12]); // Fetch 0-3 for clients older than Kafka 0.11 (message formats v0/v1)
    });

    it('answers an unsupported ApiVersions version with a v0 body and error 35', async () => {
      const raw = await openClient();
      try {
        // Hand-built ApiVersions v99 request: header v1 (key, version, correlation id, client id).
        const body = Buffer.alloc(2 + 2 + 4 + 2);
        body.writeInt16BE(18, 0);
        body.writeInt16BE(99, 2);
        body.writeInt32BE(77, 4);
        body.writeInt16BE(-1, 8);
        const frame = Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]);
        const reply = await new Promise<Buffer>((resolve) => {
          const socket = openSocket(() => socket.write(frame));
          socket.once('data', (chunk) => {
            resolve(chunk);
            socket.destroy();
          });
        });
        expect(reply.readInt32BE(4)).toBe(77); // correlation id, response header v0
        expect(reply.readInt16BE(8)).toBe(35); // UNSUPPORTED_VERSION
        expect(reply.readInt32BE(10)).toBe(1); // one api key: ApiVersions itself
        expect(reply.readInt16BE(14)).toBe(18);
      } finally {
        raw.close();
      }
    });
  });

  describe('produce validation', () => {
    it('refuses a batch with a bad CRC with CORRUPT_MESSAGE and stores nothing', async () => {
      await createTopic('crc');
      await produce('crc', batchOf(['ok']));
      const bad = batchOf(['will be corrupted']);
      bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1);
      const result = await produce('crc', bad);
      expect(result.errorCode).toBe(2);
      expect(await latestOffset('crc')).toBe(1);
    });

    it('refuses produce to an unknown topic', async () => {
      const result = await produce('no-such-topic-here', batchOf(['x']));
      expect(result.errorCode).toBe(3);
    });
  });

  describe('idempotent producer', () => {
    it('returns the original offset for a retried batch and stores it once', async () => {
      await createTopic('idem');
      const init = await client.request<{ errorCode: number; producerId: number; producerEpoch: number }>(22, 4, {
        transactionalId: null,
        transactionTimeoutMs: 60_000,
        producerId: -1,
        producerEpoch: -1,
      });
      expect(init.errorCode).toBe(0);
      const { producerId, producerEpoch } = init;
      const first = batchOf(['a', 'b'], { producerId, producerEpoch, baseSequence: 0 });
      const second = batchOf(['c'], { producerId, producerEpoch, baseSequence: 2 });
      expect((await produce('idem', Buffer.from(first))).baseOffset).toBe(0);
      expect((await produce('idem', Buffer.from(second))).baseOffset).toBe(2);
      // The retry of the first batch: same sequence, same bytes.
      const retried = await produce('idem', Buffer.from(first));
      expect(retried).toMatchObject({ errorCode: 0, baseOffset: 0 });
      expect(await latestOffset('idem')).toBe(3);
      // A gap in the sequence is OUT_OF_ORDER_SEQUENCE_NUMBER.
      const gap = batchOf(['d'], { producerId, producerEpoch, baseSequence: 10 });
      expect((await produce('idem', gap)).errorCode).toBe(45);
      expect(await latestOffset('idem')).toBe(3);
    });

    it('gives each InitProducerId a new producer id', async () => {
      const ids = new Set<number>();
      for (let i = 0; i < 5; i++) {
        const init = await client.request<{ producerId: number }>(22, 1, {
          transactionalId: null,
          transactionTimeoutMs: 1000,
        });
        ids.add(init.producerId);
      }
      expect(ids.size).toBe(5);
    });
  });

  describe('fetch', () => {
    it('returns whole batches starting with the one containing the fetch offset', async () => {
      await createTopic('batches');
      for (let b = 0; b < 3; b++) await produce('batches', batchOf(['0', '1', '2', '3', '4'].map((v) => `${b}-${v}`)));
      const fromMiddle = await fetch('batches', 7);
      expect(fromMiddle.errorCode).toBe(0);
      expect(fromMiddle.highWatermark).toBe(15);
      expect(offsetsIn(fromMiddle.records)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    });

    it('returns at least one whole batch even when it exceeds maxBytes', async () => {
      const small = await fetch('batches', 0, { maxBytes: 1 });
      expect(offsetsIn(small.records)).toEqual([0, 1, 2, 3, 4]);
    });

    it('answers an offset past the log end with OFFSET_OUT_OF_RANGE and the high watermark with nothing', async () => {
      expect((await fetch('batches', 99)).errorCode).toBe(1);
      const atEnd = await fetch('batches', 15);
      expect(atEnd.errorCode).toBe(0);
      expect(offsetsIn(atEnd.records)).toEqual([]);
    });

    it('long-polls until data arrives', async () => {
      await createTopic('polled');
      const other = await openClient();
      try {
        const waiting = fetch('polled', 0, { maxWaitMs: 20_000, minBytes: 1 });
        await new Promise((r) => setTimeout(r, 300));
        const produced = await other.request<{ responses: { partitionResponses: { errorCode: number }[] }[] }>(0, 9, {
          transactionalId: null,
          acks: -1,
          timeoutMs: 5000,
          topicData: [{ name: 'polled', partitionData: [{ index: 0, records: batchOf(['late']) }] }],
        });
        expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
        const result = await waiting;
        expect(offsetsIn(result.records)).toEqual([0]);
      } finally {
        other.close();
      }
    });
  });

  describe('pipelining', () => {
    it('answers many in-flight requests on one connection in order, appending in order', async () => {
      await createTopic('pipelined');
      const requests = Array.from({ length: 50 }, (_, i) =>
        produce('pipelined', batchOf([`m${i}`]), i % 2 === 0 ? -1 : 1),
      );
      const results = await Promise.all(requests);
      expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    });
  });

  describe('hostile input', () => {
    async function expectClosed(bytes: Buffer): Promise<void> {
      const raw = await openClient();
      raw.writeRaw(bytes);
      await raw.closed;
    }

    async function expectStillServing(): Promise<void> {
      const response = await client.request<{ errorCode: number }>(18, 2, {});
      expect(response.errorCode).toBe(0);
    }

    it('closes a connection that announces a 2 GB frame', async () => {
      await expectClosed(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
      await expectStillServing();
    });

    it('closes a connection that sends a negative frame size', async () => {
      await expectClosed(Buffer.from([0xff, 0xff, 0xff, 0xf0]));
      await expectStillServing();
    });

    it('closes a connection that sends an unknown API key', async () => {
      const body = Buffer.from([0x7f, 0x00, 0, 0, 0, 0, 0, 1, 0xff, 0xff]);
      await expectClosed(Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]));
      await expectStillServing();
    });

    it('closes a connection that sends an unsupported Metadata version', async () => {
      const body = Buffer.from([0, 3, 0, 99, 0, 0, 0, 1, 0xff, 0xff]);
      await expectClosed(Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]));
      await expectStillServing();
    });

    it('closes a connection whose frame body is garbage', async () => {
      for (let i = 0; i < 20; i++) {
        const body = Buffer.concat([Buffer.from([0, 0, 0, 9]), randomBytes(40)]); // Produce v9 + junk
        await expectClosed(Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]));
      }
      await expectStillServing();
    });

    it('survives random bytes from many connections and keeps serving', async () => {
      for (let i = 0; i < 30; i++) {
        const raw = await openClient();
        raw.writeRaw(randomBytes(1 + Math.floor(Math.random() * 2000)));
        raw.close();
      }
      await expectStillServing();
      expect(node.running).toBe(true);
      expect(node.logs).toMatch(/closing client connection/);
    });

    it('waits for the rest of a frame split across writes, byte by byte', async () => {
      const frame = Buffer.concat(encodeRequest(18, 2, 4242, 'slow-client', {}));
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const socket = openSocket(() => {
          void (async () => {
            for (const byte of frame) {
              socket.write(Buffer.from([byte]));
              await new Promise((r) => setTimeout(r, 2));
            }
          })();
        });
        socket.once('data', (chunk) => {
          resolve(chunk);
          socket.destroy();
        });
        socket.once('error', reject);
      });
      expect(reply.readInt32BE(4)).toBe(4242);
      expect(reply.readInt16BE(8)).toBe(0);
    });
  });
});
