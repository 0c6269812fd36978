// The contract between the Kafka listener and the handler files: one handler per API key, each
// declaring in one place the versions it serves. The registry of handlers feeds ApiVersions.
import type { Connection } from './connection.js';
import type { KafkaPrincipal, SecurityProtocol } from './principal.js';

/** Returned by a handler when Kafka sends no response (Produce with acks=0). */
export const NO_RESPONSE = Symbol('no-response');

export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connection: Connection;
  /** Who sent it: the authenticated user, or User:ANONYMOUS. */
  readonly principal: KafkaPrincipal;
  /** The listener it came through (its name in --listeners, PLAINTEXT by default). */
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  /** The listener authenticates its clients (SASL or TLS client certificates): ACLs apply. */
  readonly authenticatesClients: boolean;
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
