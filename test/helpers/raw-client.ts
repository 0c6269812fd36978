// A minimal Kafka client over a raw socket, built on Brook's own codec, for tests that need exact
// control of the bytes (idempotent retries, corrupt batches, pipelining, hostile frames).
import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { decodeResponseFrame, encodeRequest } from '../../src/kafka/protocol/index.js';
import { compressionOf, readBatchHeader, splitBatches } from '../../src/storage/index.js';
import { ScramClient, type ScramMechanismName } from './scram-client.js';

/** How a raw client reaches a listener: TLS options for SSL/SASL_SSL, a login for SASL. */
export interface RawTransport {
  readonly tls?: ConnectionOptions;
  readonly sasl?: { readonly mechanism: ScramMechanismName; readonly user: string; readonly password: string };
}

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
  /** Waiting for raw SASL tokens (handshake v0), which have no header; they come before responses. */
  private readonly rawWaiters: ((token: Buffer) => void)[] = [];
  private nextCorrelationId = 1;
  private closedWith: Error | null = null;
  readonly closed: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly clientId: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.closedWith = new Error('connection closed');
        for (const waiter of this.waiters.values()) waiter.reject(this.closedWith);
        this.waiters.clear();
        this.rawWaiters.length = 0;
        resolve();
      });
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1', clientId = 'brook-raw-test'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('connect', () => resolve(new RawClient(socket, clientId)));
      socket.once('error', reject);
    });
  }

  /** Connects over TLS (when `transport.tls`) and logs in with SCRAM (when `transport.sasl`). */
  static async open(port: number, transport: RawTransport = {}, clientId = 'brook-raw-test'): Promise<RawClient> {
    const client = transport.tls
      ? await RawClient.connectTls(port, transport.tls, clientId)
      : await RawClient.connect(port, '127.0.0.1', clientId);
    if (transport.sasl) {
      const { mechanism, user, password } = transport.sasl;
      const result = await client.scramLogin(mechanism, user, password);
      if (result.errorCode !== 0) throw new Error(`SASL login failed: ${JSON.stringify(result)}`);
    }
    return client;
  }

  static connectTls(port: number, options: ConnectionOptions, clientId = 'brook-raw-test'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ host: '127.0.0.1', port, servername: 'localhost', ...options });
      socket.once('secureConnect', () => resolve(new RawClient(socket, clientId)));
      socket.once('error', reject);
    });
  }

  /**
   * SaslHandshake v1 and SaslAuthenticate (`version`); resolves with the last answer's error. The
   * server's signature is checked when the exchange succeeds.
   */
  async scramLogin(
    mechanism: ScramMechanismName,
    user: string,
    password: string,
    version = 2,
  ): Promise<{ errorCode: number; errorMessage: string | null; sessionLifetimeMs: number }> {
    const handshake = await this.request<{ errorCode: number }>(17, 1, { mechanism });
    if (handshake.errorCode !== 0) return { errorCode: handshake.errorCode, errorMessage: null, sessionLifetimeMs: 0 };
    const scram = new ScramClient(mechanism, user, password);
    type Answer = { errorCode: number; errorMessage: string | null; authBytes: Buffer; sessionLifetimeMs: number };
    const first = await this.request<Answer>(36, version, { authBytes: scram.first() });
    if (first.errorCode !== 0) return first;
    const final = await this.request<Answer>(36, version, { authBytes: scram.final(first.authBytes) });
    if (final.errorCode === 0 && !scram.verifies(final.authBytes)) throw new Error('server signature is wrong');
    return final;
  }

  /** Sends a raw SASL token (after SaslHandshake v0) and resolves with the server's raw token. */
  rawToken(token: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.closedWith) return reject(this.closedWith);
      this.rawWaiters.push(resolve);
      void this.closed.then(() => reject(new Error('connection closed')));
      const size = Buffer.alloc(4);
      size.writeInt32BE(token.length, 0);
      this.socket.write(Buffer.concat([size, token]));
    });
  }

  get isClosed(): boolean {
    return this.closedWith !== null;
  }

  /** Sends one request; resolves with the decoded response body. */
  request<T = Record<string, unknown>>(apiKey: number, version: number, body: unknown): Promise<T> {
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequest(apiKey, version, correlationId, this.clientId, body);
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
    const frame = encodeRequest(apiKey, version, this.nextCorrelationId++, this.clientId, body);
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
      const raw = this.rawWaiters.shift();
      if (raw) {
        raw(Buffer.from(frame));
        continue;
      }
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
