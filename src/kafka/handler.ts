// The contract between the Kafka listener and the handler files: one handler per API key, each
// declaring in one place the versions it serves. The registry of handlers feeds ApiVersions.
import type { KafkaPrincipal, SecurityProtocol } from '../common/index.js';
import type { ListenerIdentity } from './listener-identity.js';
import type { RequestTiming } from './request-timing.js';

/**
 * What a handler may use of the connection its request came on: a Kafka client's socket
 * (Connection), or one of Brook's own in-process callers (the line protocol, the node applying a
 * topics file, the console), which go through the same dispatcher, handlers, ACLs and quotas.
 */
export interface ClientConnection {
  /** Who the client is (a TLS certificate's CN, a SASL identity, or User:ANONYMOUS). */
  readonly principal: KafkaPrincipal;
  /** The client's IP address, without the port. */
  readonly clientAddress: string;
  /** host:port of the client, for log lines and group members' clientHost. */
  readonly remoteAddress: string;
  /** The listener the client came in on. */
  readonly listener: ListenerIdentity;
  readonly isClosed: boolean;
  /** Closes the connection after a protocol violation, with a log line saying why. */
  close(reason: string): void;
  /** Takes no more of the client's requests for this long (a quota's throttle). */
  throttle(throttleMs: number): void;
}

/** Returned by a handler when Kafka sends no response (Produce with acks=0). */
export const NO_RESPONSE = Symbol('no-response');

export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connection: ClientConnection;
  /**
   * Who sent the request: `User:<CN>` of a TLS client certificate, the identity a SASL exchange
   * proved, else User:ANONYMOUS. Fixed for the request (a KIP-368 re-authentication changes it
   * only for later requests).
   */
  readonly principal: KafkaPrincipal;
  /** The client's IP address (ACLs' host). */
  readonly clientAddress: string;
  /** The listener the request came in on: its name (PLAINTEXT, or a named listener like INTERNAL). */
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  /**
   * The listener authenticates clients (SASL, or TLS with client certificates requested or
   * required), so requests are authorized against ACLs.
   */
  readonly authenticatesClients: boolean;
  /** When the request arrived, and the hook for when its response is written (stage timings). */
  readonly timing: RequestTiming;
}

export interface ApiHandler<Request = unknown, Response = unknown> {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(
    request: Request,
    context: RequestContext,
  ): Response | typeof NO_RESPONSE | Promise<Response | typeof NO_RESPONSE>;
}

/** Erases a handler's message types so handlers of different APIs share one registry. */
export function defineHandler<Request, Response>(handler: ApiHandler<Request, Response>): ApiHandler {
  return handler;
}
