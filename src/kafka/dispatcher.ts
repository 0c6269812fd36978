// Turns one request frame into one response frame: header, version check, decode, handler,
// encode. An unknown API key or an unsupported version closes the connection (what Kafka does),
// except ApiVersions, which always answers (KIP-511) so clients can learn what this broker speaks.
import { ProtocolError, type RequestMetrics } from '../common/index.js';
import { NO_RESPONSE, type ApiHandler, type ClientConnection, type RequestContext } from './handler.js';
import { decodeRequest, decodeRequestHeader, encodeResponse } from './protocol/index.js';
import type { RequestQuotas } from './quotas/request-quotas.js';
import { RequestTiming } from './request-timing.js';

export const API_VERSIONS_KEY = 18;

export class RequestDispatcher {
  private readonly handlers = new Map<number, ApiHandler>();

  constructor(
    handlers: readonly ApiHandler[],
    private readonly metrics: RequestMetrics | null = null,
    /** Client quotas: throttle times in responses, and muting (none in tests of the codec path). */
    private readonly quotas: RequestQuotas | null = null,
  ) {
    for (const handler of handlers) {
      if (this.handlers.has(handler.apiKey)) throw new Error(`two handlers for API key ${handler.apiKey}`);
      this.handlers.set(handler.apiKey, handler);
    }
  }

  /** The advertised ranges, for ApiVersions. */
  supportedApis(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.handlers.values()]
      .map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  dispatch(
    connection: ClientConnection,
    frame: Buffer,
    timing: RequestTiming = new RequestTiming(),
  ): Promise<Buffer[] | null> | Buffer[] | null {
    const { header, reader } = decodeRequestHeader(frame);
    const { requestApiKey: apiKey, requestApiVersion: version, correlationId } = header;
    const handler = this.handlers.get(apiKey);
    if (!handler) throw new ProtocolError(`unknown API key ${apiKey}`);
    let decodeVersion = version;
    if (version < handler.minVersion || version > handler.maxVersion) {
      if (apiKey !== API_VERSIONS_KEY) {
        throw new ProtocolError(
          `unsupported version ${version} of ${handler.name} (${handler.minVersion}-${handler.maxVersion})`,
        );
      }
      decodeVersion = -1; // answered by the ApiVersions handler with a v0 error body
    }
    const context: RequestContext = {
      apiKey,
      apiVersion: decodeVersion,
      correlationId,
      clientId: header.clientId,
      connection,
      principal: connection.principal,
      clientAddress: connection.clientAddress,
      listenerName: connection.listener.name,
      securityProtocol: connection.listener.securityProtocol,
      authenticatesClients: connection.listener.authenticatesClients,
      timing,
    };
    const request = decodeVersion < 0 ? {} : decodeRequest(apiKey, version, reader);
    const responseVersion = decodeVersion < 0 ? 0 : version;
    if (decodeVersion >= 0) this.quotas?.capRequest(context, request);
    const startedAt = performance.now();
    const result = handler.handle(request, context);
    // The handler's synchronous part: the time it held the event loop (request_percentage).
    const syncMs = performance.now() - startedAt;
    const encode = (body: unknown): Buffer[] | null => {
      const encodeStartedAt = performance.now();
      this.metrics?.observe(
        handler.name,
        (encodeStartedAt - startedAt) / 1000,
        body === NO_RESPONSE ? undefined : body,
      );
      const toFrame = (b: unknown) => encodeResponse(apiKey, responseVersion, correlationId, b);
      if (this.quotas === null) return body === NO_RESPONSE ? null : toFrame(body);
      const busyMs = syncMs + (performance.now() - encodeStartedAt);
      const usage = { requestBytes: frame.length, busyMs, noResponse: body === NO_RESPONSE };
      return this.quotas.settle(context, usage, body, toFrame);
    };
    if (result instanceof Promise) return result.then(encode);
    return encode(result);
  }

  /** Counts a connection closed for a protocol violation. */
  protocolError(): void {
    this.metrics?.protocolError();
  }

  /** Counts a client refused at its TLS handshake or SASL authentication. */
  authenticationFailure(kind: 'tls' | 'sasl'): void {
    this.metrics?.authenticationFailure(kind);
  }
}
