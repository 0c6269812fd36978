// A transport into a node's own dispatcher: the request is encoded and handed to the dispatcher
// as a frame read off a socket would be, and the response frame decoded, so an in-process caller
// (the line protocol, the node applying a topics file) passes the same checks, handlers and
// metrics as a Kafka client. The connection it presents names the caller for log lines and the
// principal it acts for (the console's logged-in user; User:ANONYMOUS on a plaintext listener
// otherwise); closing it (a handler's answer to a protocol violation) fails the requests that follow.
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

  constructor(
    private readonly dispatcher: RequestDispatcher,
    /** host:port of the caller, as a socket's remote address would be. */
    readonly remoteAddress: string,
    private readonly clientId: string,
    readonly principal: KafkaPrincipal = ANONYMOUS,
    readonly listener: ListenerIdentity = PLAINTEXT_LISTENER,
  ) {}

  /** The caller's IP address: remoteAddress without its port. */
  get clientAddress(): string {
    const colon = this.remoteAddress.lastIndexOf(':');
    return colon < 0 ? this.remoteAddress : this.remoteAddress.slice(0, colon);
  }

  get address(): string {
    return 'this node';
  }

  get isClosed(): boolean {
    return this.closedWhy !== null;
  }

  async request<T>(apiKey: number, version: number, body: object): Promise<T> {
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
