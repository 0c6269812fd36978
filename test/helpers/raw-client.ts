// A minimal Kafka client over a raw socket, built on Brook's own codec, for tests that need exact
// control of the bytes (idempotent retries, corrupt batches, pipelining, hostile frames).
import { connect, type Socket } from 'node:net';
import { decodeResponseFrame, encodeRequest } from '../../src/kafka/protocol/index.js';
import { compressionOf, readBatchHeader, splitBatches } from '../../src/storage/index.js';

export interface FetchedPartition {
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly records: Buffer | null;
}

/** The compression codec ids of the batches stored at the start of a partition. */
export async function storedCodecs(port: number, topic: string): Promise<number[]> {
  return (await storedBatches(port, topic)).map((b) => b.codec);
}

/** The codec and record count of each batch stored in partition 0 of `topic`. */
export async function storedBatches(port: number, topic: string): Promise<{ codec: number; records: number }[]> {
  const client = await RawClient.connect(port);
  try {
    const data = await client.fetchPartition(topic, 0, 0, 1 << 20);
    if (!data.records || data.records.length === 0) throw new Error(`no records: ${JSON.stringify(data)}`);
    return splitBatches(data.records).map((batch) => {
      const header = readBatchHeader(batch);
      return { codec: compressionOf(header.attributes), records: header.recordsCount };
    });
  } finally {
    client.close();
  }
}

interface Waiter {
  readonly apiKey: number;
  readonly version: number;
  readonly resolve: (body: Record<string, unknown>) => void;
  readonly reject: (err: Error) => void;
}

export class RawClient {
  private buffered = Buffer.alloc(0);
  private readonly waiters = new Map<number, Waiter>();
  private nextCorrelationId = 1;
  private closedWith: Error | null = null;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.closedWith = new Error('connection closed');
        for (const waiter of this.waiters.values()) waiter.reject(this.closedWith);
        this.waiters.clear();
        resolve();
      });
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closedWith !== null;
  }

  /** Sends one request; resolves with the decoded response body. */
  request<T = Record<string, unknown>>(apiKey: number, version: number, body: unknown): Promise<T> {
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequest(apiKey, version, correlationId, 'brook-raw-test', body);
    return new Promise<T>((resolve, reject) => {
      if (this.closedWith) return reject(this.closedWith);
      this.waiters.set(correlationId, {
        apiKey,
        version,
        resolve: resolve as (b: Record<string, unknown>) => void,
        reject,
      });
      this.socket.write(Buffer.concat(frame));
    });
  }

  /** One partition's Fetch v11 answer from `fetchOffset` (no waiting, read-uncommitted). */
  async fetchPartition(
    topic: string,
    partition: number,
    fetchOffset: number,
    maxBytes = 8 * 1024 * 1024,
  ): Promise<FetchedPartition> {
    const response = await this.request<{ responses: { partitions: FetchedPartition[] }[] }>(1, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          partitions: [
            { partition, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1, partitionMaxBytes: maxBytes },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    return response.responses[0]!.partitions[0]!;
  }

  /** Sends a request that gets no response (produce acks=0). */
  send(apiKey: number, version: number, body: unknown): void {
    const frame = encodeRequest(apiKey, version, this.nextCorrelationId++, 'brook-raw-test', body);
    for (const part of frame) this.socket.write(part);
  }

  /** Writes raw bytes, for hostile-input tests. */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const correlationId = frame.readInt32BE(0);
      const waiter = this.waiters.get(correlationId);
      if (!waiter) throw new Error(`unexpected correlation id ${correlationId}`);
      this.waiters.delete(correlationId);
      try {
        waiter.resolve(decodeResponseFrame(waiter.apiKey, waiter.version, frame).body);
      } catch (err) {
        waiter.reject(err as Error);
      }
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
