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
//
// On a SASL listener every frame first passes the connection's SASL session (a gate): until the
// client has authenticated, frames are small, taken one at a time, and only the SASL exchange and
// ApiVersions are served; a failed authentication is answered after a delay and the connection
// closes. The socket may be a TLS socket; the connection does not care.
import type { Socket } from 'node:net';
import { ANONYMOUS, type KafkaPrincipal, limits, type Logger, ProtocolError, stageNowMs } from '../common/index.js';
import { fetchReadBuffers } from '../storage/index.js';
import type { RequestDispatcher } from './dispatcher.js';
import type { ClientConnection } from './handler.js';
import { type ListenerIdentity, PLAINTEXT_LISTENER } from './listener-identity.js';
import { RequestTiming } from './request-timing.js';
import type { GateOutcome } from './sasl/session.js';

/** What sees each frame before the dispatcher: a SASL listener's session. */
export interface FrameGate {
  /** True once the client has authenticated. */
  readonly authenticated: boolean;
  /** Largest frame accepted now. */
  frameSizeMax(): number;
  admit(frame: Buffer): GateOutcome | Promise<GateOutcome>;
}

/** Who the client is and how it came in, as the listener established it. */
export interface ConnectionSecurity {
  readonly listener: ListenerIdentity;
  /** The principal of a TLS client certificate; ANONYMOUS without one. */
  readonly principal?: KafkaPrincipal;
  /** A SASL listener's session for this connection; `authenticated` sets the principal. */
  readonly gate?: (clientAddress: string, authenticated: (principal: KafkaPrincipal) => void) => FrameGate;
}

/** A half-closed connection whose client does not close its side is destroyed after this. */
const CLOSE_AFTER_END_MS = 1000;

const SIZE_PREFIX_BYTES = 4;

interface PendingResponse {
  done: boolean;
  frame: Buffer[] | null;
  /** Size of the request, counted as unanswered until the response is ready. */
  readonly requestBytes: number;
  readonly timing: RequestTiming;
}

export class Connection implements ClientConnection {
  private readonly chunks: Buffer[] = [];
  private bufferedBytes = 0;
  /**
   * When the newest chunk arrived: a frame cut now arrived then at the latest (reading is paused
   * while frames wait, so none arrived since), which the stage timings take as its arrival.
   */
  private lastDataAtMs = 0;
  private readonly pending: PendingResponse[] = [];
  private unansweredBytes = 0;
  private closed = false;
  private readingPaused = false;
  private waitingForDrain = false;
  private cutting = false;
  /** Set while a quota throttles the client: nothing more is read until it fires. */
  private throttleTimer: NodeJS.Timeout | null = null;
  private throttledUntilMs = 0;
  /** A failed authentication is being answered: nothing more is read, then the socket closes. */
  private closing = false;
  /** The gate is deciding on a frame (a password check): the next frame waits. */
  private gateBusy = false;
  private readonly gate: FrameGate | null;
  private authenticationTimer: NodeJS.Timeout | null = null;
  private principalValue: KafkaPrincipal;
  readonly listener: ListenerIdentity;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly dispatcher: RequestDispatcher,
    private readonly log: Logger,
    security: ConnectionSecurity = { listener: PLAINTEXT_LISTENER },
  ) {
    this.listener = security.listener;
    this.principalValue = security.principal ?? ANONYMOUS;
    this.gate = security.gate?.(this.clientAddress, (principal) => (this.principalValue = principal)) ?? null;
    if (this.gate) {
      this.authenticationTimer = setTimeout(() => {
        if (!this.gate?.authenticated) {
          this.close(`SASL authentication did not complete within ${limits.saslAuthenticationTimeoutMs} ms`);
        }
      }, limits.saslAuthenticationTimeoutMs);
      this.authenticationTimer.unref();
    }
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
      if (this.authenticationTimer) clearTimeout(this.authenticationTimer);
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

  /**
   * Who the client is: `User:<CN>` of its TLS certificate, the identity its SASL exchange proved,
   * or User:ANONYMOUS. Set only by the listener and the SASL session.
   */
  get principal(): KafkaPrincipal {
    return this.principalValue;
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
    this.log.warn({ client: this.remoteAddress, listener: this.listener.name, reason }, 'closing client connection');
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.closing) return;
    this.lastDataAtMs = stageNowMs();
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
    while (
      !this.closed &&
      !this.closing &&
      !this.gateBusy &&
      !this.readingPaused &&
      this.bufferedBytes >= SIZE_PREFIX_BYTES
    ) {
      const size = this.peekSize();
      const sizeMax = this.gate?.frameSizeMax() ?? limits.requestSizeBytesMax;
      if (size < 0 || size > sizeMax) {
        const unauthenticated = sizeMax < limits.requestSizeBytesMax ? ' before SASL authentication' : '';
        throw new ProtocolError(`frame size ${size} outside [0, ${sizeMax}]${unauthenticated}`);
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
    const slot: PendingResponse = {
      done: false,
      frame: null,
      requestBytes: frame.length,
      timing: new RequestTiming(this.lastDataAtMs),
    };
    this.pending.push(slot);
    this.unansweredBytes += frame.length;
    if (!this.gate) {
      this.dispatchInto(slot, frame);
      return;
    }
    const outcome = this.gate.admit(frame);
    if (!(outcome instanceof Promise)) {
      this.follow(slot, frame, outcome);
      return;
    }
    this.gateBusy = true;
    outcome.then(
      (decided) => {
        this.gateBusy = false;
        this.follow(slot, frame, decided);
        this.handleBuffered();
      },
      (err: unknown) => this.fail(err),
    );
  }

  /** Does what the gate decided for a frame. */
  private follow(slot: PendingResponse, frame: Buffer, outcome: GateOutcome): void {
    switch (outcome.kind) {
      case 'dispatch':
        return this.dispatchInto(slot, frame);
      case 'answer':
        return this.complete(slot, outcome.frame);
      case 'close':
        return this.close(outcome.reason);
      case 'fail':
        return this.failAuthentication(slot, outcome.frame, outcome.delayMs, outcome.reason);
    }
  }

  /**
   * A failed authentication: nothing more is read; after the delay the answer (if the protocol
   * has one) is written and the connection closes.
   */
  private failAuthentication(slot: PendingResponse, frame: Buffer[] | null, delayMs: number, reason: string): void {
    this.closing = true;
    this.pauseReading();
    this.dispatcher.authenticationFailure('sasl');
    this.log.warn(
      { client: this.remoteAddress, listener: this.listener.name, reason, delayMs },
      'closing client connection',
    );
    const timer = setTimeout(() => {
      if (this.closed) return;
      this.complete(slot, frame);
      this.closed = true;
      this.socket.end();
      setTimeout(() => this.socket.destroy(), CLOSE_AFTER_END_MS).unref();
    }, delayMs);
    timer.unref();
  }

  private dispatchInto(slot: PendingResponse, frame: Buffer): void {
    const outcome = this.dispatcher.dispatch(this, frame, slot.timing);
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
      const { frame, timing } = this.pending.shift()!;
      if (frame === null) continue; // acks=0 produce: no response at all
      if (!wroteAny) this.socket.cork();
      wroteAny = true;
      for (const part of frame) {
        // A fetch's read buffer goes back to its pool once the socket has handed it to the kernel.
        const written = fetchReadBuffers.isLeased(part)
          ? this.socket.write(part, () => fetchReadBuffers.giveBack(part))
          : this.socket.write(part);
        if (!written) this.waitingForDrain = true;
      }
      timing.written();
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
    if (!this.readingPaused || this.waitingForDrain || this.closing || this.throttleTimer !== null) return;
    if (this.pending.length >= limits.connectionInflightRequestsMax / 2) return;
    if (this.unansweredBytes >= limits.connectionInflightRequestBytesMax / 2) return;
    this.readingPaused = false;
    this.socket.resume();
    this.handleBuffered();
  }
}
