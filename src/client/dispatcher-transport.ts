// A transport into a node's own dispatcher: the request is encoded and handed to the dispatcher
// as a frame read off a socket would be, and the response frame decoded, so an in-process caller
// (the line protocol, the node applying a topics file) passes the same checks, handlers and
// metrics as a Kafka client. The connection it presents names the caller for log lines; closing
// it (a handler's answer to a protocol violation) fails the requests that follow. Its identity is
// that of a client on a listener that authenticates nobody (User:ANONYMOUS, PLAINTEXT) unless the
// caller gives one: ACLs then apply to it as to such a client (only with authorizer.all.listeners),
// and a quota's throttle holds its next request back as a socket's reading would be paused.
import { ANONYMOUS, type KafkaPrincipal } from '../common/index.js';
import {
  type ClientConnection,
  decodeResponseFrame,
  encodeRequest,
  type ListenerIdentity,
  PLAINTEXT_LISTENER,
  type RequestDispatcher,
} from '../kafka/index.js';
import { ConnectionError } from './errors.js';
import type { Transport } from './transport.js';

export class DispatcherTransport implements Transport, ClientConnection {
  private nextCorrelationId = 1;
  private closedWhy: string | null = null;
  private throttledUntilMs = 0;
  readonly principal: KafkaPrincipal;
  readonly listener: ListenerIdentity;

  constructor(
    private readonly dispatcher: RequestDispatcher,
    /** host:port of the caller, as a socket's remote address would be. */
    readonly remoteAddress: string,
    private readonly clientId: string,
    identity: { readonly principal?: KafkaPrincipal; readonly listener?: ListenerIdentity } = {},
  ) {
    this.principal = identity.principal ?? ANONYMOUS;
    this.listener = identity.listener ?? PLAINTEXT_LISTENER;
  }

  get clientAddress(): string {
    const at = this.remoteAddress.lastIndexOf(':');
    return at < 0 ? this.remoteAddress : this.remoteAddress.slice(0, at);
  }

  throttle(throttleMs: number): void {
    this.throttledUntilMs = Math.max(this.throttledUntilMs, Date.now() + throttleMs);
  }

  get address(): string {
    return 'this node';
  }

  get isClosed(): boolean {
    return this.closedWhy !== null;
  }

  async request<T>(apiKey: number, version: number, body: object): Promise<T> {
    const waitMs = this.throttledUntilMs - Date.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    if (this.closedWhy !== null) throw new ConnectionError(`in-process connection closed: ${this.closedWhy}`);
    const correlationId = this.nextCorrelationId++;
    const frame = Buffer.concat(encodeRequest(apiKey, version, correlationId, this.clientId, body)).subarray(4);
    const response = await this.dispatcher.dispatch(this, frame);
    if (response === null) throw new ConnectionError('the request got no response (acks=0)');
    return decodeResponseFrame<T & object>(apiKey, version, Buffer.concat(response).subarray(4)).body;
  }

  sendOnly(apiKey: number, version: number, body: object): void {
    this.request(apiKey, version, body).catch(() => undefined);
  }

  close(reason = 'closed by its owner'): void {
    this.closedWhy ??= reason;
  }
}
