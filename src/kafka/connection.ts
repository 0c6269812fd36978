// One client connection: frames are cut out of the byte stream (many per chunk, or one across
// many chunks), each request is handed to its handler as soon as it is parsed, and responses are
// written strictly in request order. A handler's synchronous part runs in arrival order, so work
// that must be ordered (appending a produce batch) happens in order, while slow completions
// (acks=all, fetch long polls) overlap. Reading pauses when too many requests, or too many request
// bytes, are unanswered, or when the socket's send buffer is full, so memory stays bounded.
//
// The byte bound is also the producer's backpressure. Kafka handles one request per connection at
// a time; Brook overlaps them, but without a bound an acks=all producer could append to the
// leader's log far ahead of what the followers hold (its requests answered only later), so
// followers fell out of the leader's in-memory tail and were served from disk. Paused, the
// client's batches grow instead (librdkafka fills them while it waits), which costs less per byte.
import type { Socket } from 'node:net';
import { ANONYMOUS, type KafkaPrincipal, limits, type Logger, ProtocolError } from '../common/index.js';
import type { RequestDispatcher } from './dispatcher.js';
import { type ListenerIdentity, PLAINTEXT_LISTENER } from './listener-identity.js';

const SIZE_PREFIX_BYTES = 4;

interface PendingResponse {
  done: boolean;
  frame: Buffer[] | null;
  /** Size of the request, counted as unanswered until the response is ready. */
  readonly requestBytes: number;
}

export class Connection {
  private readonly chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private readonly pending: PendingResponse[] = [];
  private unansweredBytes = 0;
  private closed = false;
  private readingPaused = false;
  private waitingForDrain = false;
  private cutting = false;
  /** Who the client is: set from a TLS client certificate at accept, or by a SASL exchange. */
  principal: KafkaPrincipal = ANONYMOUS;
  /** Set while a quota throttles the client: nothing more is read until it fires. */
  private throttleTimer: NodeJS.Timeout | null = null;
  private throttledUntilMs = 0;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly dispatcher: RequestDispatcher,
    private readonly log: Logger,
    readonly listener: ListenerIdentity = PLAINTEXT_LISTENER,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.waitingForDrain = false;
      this.maybeResume();
    });
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'connection error'));
    socket.on('close', () => {
      this.closed = true;
      if (this.throttleTimer) clearTimeout(this.throttleTimer);
    });
  }

  /**
   * A quota was exceeded (KIP-219): the response carrying the throttle time goes out as usual,
   * but no further request is read from this client for `ms`, so it cannot take more meanwhile.
   */
  throttle(ms: number): void {
    if (this.closed || ms <= 0) return;
    const untilMs = Date.now() + ms;
    if (untilMs <= this.throttledUntilMs) return;
    this.throttledUntilMs = untilMs;
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = null;
      this.maybeResume();
    }, ms);
    this.pauseReading();
  }

  /** The client's IP address, without the port. */
  get clientAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  get remoteAddress(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes the connection after a protocol violation, with a log line saying why. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.dispatcher.protocolError();
    this.log.warn({ client: this.remoteAddress, reason }, 'closing client connection');
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    this.handleBuffered();
  }

  /** Handles the whole frames buffered so far, unless reading is paused (then on resume). */
  private handleBuffered(): void {
    if (this.cutting) return; // a response completed inside a handler: the running loop goes on
    this.cutting = true;
    try {
      this.cutFrames();
    } catch (err) {
      this.close(err instanceof ProtocolError ? err.message : `internal error: ${String(err)}`);
    } finally {
      this.cutting = false;
    }
  }

  private cutFrames(): void {
    while (!this.closed && !this.readingPaused && this.bufferedBytes >= SIZE_PREFIX_BYTES) {
      const size = this.peekSize();
      if (size < 0 || size > limits.requestSizeBytesMax) {
        throw new ProtocolError(`frame size ${size} outside [0, ${limits.requestSizeBytesMax}]`);
      }
      if (this.bufferedBytes < SIZE_PREFIX_BYTES + size) return;
      this.consume(SIZE_PREFIX_BYTES);
      const frame = this.consume(size);
      this.handleFrame(frame);
      // At least one request is always handled, however large.
      if (
        this.pending.length >= limits.connectionInflightRequestsMax ||
        this.unansweredBytes >= limits.connectionInflightRequestBytesMax
      ) {
        this.pauseReading();
      }
    }
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= SIZE_PREFIX_BYTES) return first.readInt32BE(0);
    const head = Buffer.concat(this.chunks, Math.min(this.bufferedBytes, 16));
    return head.readInt32BE(0);
  }

  /** Takes `n` bytes off the front of the buffered chunks, copying only when a frame spans chunks. */
  private consume(n: number): Buffer {
    const first = this.chunks[0]!;
    this.bufferedBytes -= n;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    while (copied < n) {
      const chunk = this.chunks[0]!;
      const take = Math.min(chunk.length, n - copied);
      chunk.copy(out, copied, 0, take);
      copied += take;
      if (take === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(take);
    }
    return out;
  }

  private handleFrame(frame: Buffer): void {
    const slot: PendingResponse = { done: false, frame: null, requestBytes: frame.length };
    this.pending.push(slot);
    this.unansweredBytes += frame.length;
    const outcome = this.dispatcher.dispatch(this, frame);
    if (outcome instanceof Promise) {
      outcome.then(
        (response) => this.complete(slot, response),
        (err: unknown) => this.fail(err),
      );
    } else {
      this.complete(slot, outcome);
    }
  }

  private complete(slot: PendingResponse, frame: Buffer[] | null): void {
    slot.done = true;
    slot.frame = frame;
    this.unansweredBytes -= slot.requestBytes;
    this.flushInOrder();
  }

  private fail(err: unknown): void {
    this.close(err instanceof ProtocolError ? err.message : `handler failed: ${String(err)}`);
    if (!(err instanceof ProtocolError)) this.log.error({ err }, 'request handler failed');
  }

  private flushInOrder(): void {
    if (this.closed) return;
    let wroteAny = false;
    while (this.pending.length > 0 && this.pending[0]!.done) {
      const { frame } = this.pending.shift()!;
      if (frame === null) continue; // acks=0 produce: no response at all
      if (!wroteAny) this.socket.cork();
      wroteAny = true;
      for (const part of frame) {
        if (!this.socket.write(part)) this.waitingForDrain = true;
      }
    }
    if (wroteAny) this.socket.uncork();
    if (this.waitingForDrain) this.pauseReading();
    else this.maybeResume();
  }

  private pauseReading(): void {
    if (this.readingPaused) return;
    this.readingPaused = true;
    this.socket.pause();
  }

  private maybeResume(): void {
    if (!this.readingPaused || this.waitingForDrain || this.throttleTimer !== null) return;
    if (this.pending.length >= limits.connectionInflightRequestsMax / 2) return;
    if (this.unansweredBytes >= limits.connectionInflightRequestBytesMax / 2) return;
    this.readingPaused = false;
    this.socket.resume();
    this.handleBuffered();
  }
}
