// A Kafka connection over TCP: size-prefixed frames, requests pipelined and matched to responses
// by correlation id, each bounded by a timeout. Connecting has its own timeout (Kafka's
// socket.connection.setup.timeout.ms); a broker that does not answer a request in time
// (request.timeout.ms) gets the connection closed, as Kafka's client does, since later responses
// on it can no longer be trusted to line up.
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { decodeResponseFrame, encodeRequest } from '../kafka/index.js';
import { ConnectionError } from './errors.js';
import type { Transport } from './transport.js';

/** The largest response frame accepted: a broker sending more is not one this client can trust. */
const RESPONSE_SIZE_BYTES_MAX = 256 * 1024 * 1024;

export interface SocketOptions {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly tls?: TlsOptions;
}

export interface TlsOptions {
  /** PEM certificates to trust (ssl.truststore.location); the system's when absent. */
  readonly ca?: string;
  /** Check the broker's name against its certificate (ssl.endpoint.identification.algorithm=https). */
  readonly checkHostname: boolean;
}

interface Pending {
  readonly apiKey: number;
  readonly version: number;
  readonly timer: NodeJS.Timeout;
  readonly resolve: (body: unknown) => void;
  readonly reject: (err: Error) => void;
}

export class SocketTransport implements Transport {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private closedWith: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly options: SocketOptions,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new ConnectionError(`${this.address}: ${err.message}`)));
    socket.on('close', () => this.fail(new ConnectionError(`${this.address}: connection closed by the broker`)));
  }

  static connect(options: SocketOptions): Promise<SocketTransport> {
    const address = `${options.host}:${options.port}`;
    return new Promise((resolve, reject) => {
      const tls = options.tls;
      const socket =
        tls === undefined
          ? connect({ host: options.host, port: options.port })
          : connectTls({
              host: options.host,
              port: options.port,
              servername: options.host,
              ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
              ...(tls.checkHostname ? {} : { checkServerIdentity: () => undefined }),
            });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ConnectionError(`${address}: no connection within ${options.connectTimeoutMs} ms`));
      }, options.connectTimeoutMs);
      socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new SocketTransport(socket, options));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new ConnectionError(`${address}: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}`));
      });
    });
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  get isClosed(): boolean {
    return this.closedWith !== null;
  }

  request<T>(apiKey: number, version: number, body: object): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequest(apiKey, version, correlationId, this.options.clientId, body);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new ConnectionError(`${this.address}: no answer within ${this.options.requestTimeoutMs} ms`));
      }, this.options.requestTimeoutMs);
      this.pending.set(correlationId, {
        apiKey,
        version,
        timer,
        resolve: resolve as (body: unknown) => void,
        reject,
      });
      this.socket.cork();
      for (const part of frame) this.socket.write(part);
      this.socket.uncork();
    });
  }

  sendOnly(apiKey: number, version: number, body: object): void {
    if (this.closedWith) throw this.closedWith;
    const frame = encodeRequest(apiKey, version, this.nextCorrelationId++, this.options.clientId, body);
    this.socket.cork();
    for (const part of frame) this.socket.write(part);
    this.socket.uncork();
  }

  close(): void {
    this.fail(new ConnectionError(`${this.address}: connection closed`));
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    while (this.bufferedBytes >= 4) {
      const head = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [head];
      const size = head.readInt32BE(0);
      if (size < 4 || size > RESPONSE_SIZE_BYTES_MAX) {
        this.fail(new ConnectionError(`${this.address}: response frame of ${size} bytes`));
        return;
      }
      if (head.length < 4 + size) return;
      const frame = head.subarray(4, 4 + size);
      this.chunks = head.length > 4 + size ? [head.subarray(4 + size)] : [];
      this.bufferedBytes = head.length - 4 - size;
      this.answer(frame);
    }
  }

  private answer(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const pending = this.pending.get(correlationId);
    if (!pending) {
      this.fail(new ConnectionError(`${this.address}: answer to unknown request ${correlationId}`));
      return;
    }
    this.pending.delete(correlationId);
    clearTimeout(pending.timer);
    try {
      pending.resolve(decodeResponseFrame(pending.apiKey, pending.version, frame).body);
    } catch (err) {
      pending.reject(new ConnectionError(`${this.address}: malformed response: ${(err as Error).message}`));
      this.fail(new ConnectionError(`${this.address}: malformed response`));
    }
  }

  private fail(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(err);
    }
    this.pending.clear();
    this.socket.destroy();
  }
}
