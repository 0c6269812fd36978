// Client quotas applied to requests, as Kafka's KafkaApis does (KIP-124, KIP-219):
//  * Produce counts its request bytes against producer_byte_rate;
//  * Fetch counts its response bytes against consumer_byte_rate, and asks for no more than the
//    quota lets through in one window (a larger answer would be throttled whatever came before);
//    a fetch that would go over gets an empty answer instead, its bytes taken back;
//  * every request but ApiVersions and the SASL exchange counts the time its handler held the
//    event loop against request_percentage (percent of one thread; Brook has one), except
//    Produce with acks=0, as in Kafka.
// The largest throttle time goes into the response's throttle_time_ms, the response is sent at
// once, and the connection reads nothing more from the client until the time has passed
// (Connection.throttle), so one tenant cannot take the broker from the others.
import type { RequestContext } from '../handler.js';
import type { FetchRequest, FetchResponse } from '../protocol/messages/fetch.js';
import type { QuotaEnforcer } from './quota-enforcer.js';

const PRODUCE = 0;
const FETCH = 1;
/** Answered before a client is known, or part of becoming known: never throttled by time. */
const EXEMPT_FROM_REQUEST_QUOTA = new Set([17, 18, 36]); // SaslHandshake, ApiVersions, SaslAuthenticate

/** What a finished request used. */
export interface RequestUsage {
  readonly requestBytes: number;
  /** Milliseconds the handler (and the encoding of its answer) held the event loop. */
  readonly busyMs: number;
  /** Produce with acks=0: no response, and no request quota (Kafka exempts it). */
  readonly noResponse: boolean;
}

function withThrottle<T>(body: T, throttleTimeMs: number): T {
  if (typeof body === 'object' && body !== null && 'throttleTimeMs' in body) {
    return { ...body, throttleTimeMs };
  }
  return body;
}

export class RequestQuotas {
  constructor(
    private readonly enforcer: QuotaEnforcer,
    private readonly now: () => number = Date.now,
  ) {}

  private userOf(context: RequestContext): string {
    return context.principal.name;
  }

  /** Before the handler: a consumer's fetch asks for no more than its quota window allows. */
  capRequest(context: RequestContext, request: unknown): void {
    if (context.apiKey !== FETCH || this.enforcer.idle) return;
    const fetch = request as FetchRequest;
    const capBytes = this.enforcer.maxValueInWindow('consumer_byte_rate', this.userOf(context), context.clientId ?? '');
    if (!Number.isFinite(capBytes)) return;
    const cap = Math.max(1, Math.floor(capBytes));
    fetch.maxBytes = fetch.maxBytes > 0 ? Math.min(fetch.maxBytes, cap) : cap;
  }

  /**
   * After the handler: records what the request used, encodes its answer with the throttle time
   * (`encode(body)`), and mutes the connection for that time. Returns the frame (null: no answer).
   */
  settle(
    context: RequestContext,
    usage: RequestUsage,
    body: unknown,
    encode: (body: unknown) => Buffer[],
  ): Buffer[] | null {
    if (this.enforcer.idle) return usage.noResponse ? null : encode(body);
    const nowMs = this.now();
    const user = this.userOf(context);
    const clientId = context.clientId ?? '';
    let requestThrottleMs = 0;
    if (!EXEMPT_FROM_REQUEST_QUOTA.has(context.apiKey) && !usage.noResponse) {
      // Percent-seconds: 1 ms of handler time is 0.1 percent of a thread for a second.
      requestThrottleMs = this.enforcer.record('request_percentage', user, clientId, usage.busyMs / 10, nowMs);
    }
    let throttleMs = requestThrottleMs;
    let frame: Buffer[] | null;
    if (context.apiKey === PRODUCE) {
      const bytesThrottleMs = this.enforcer.record('producer_byte_rate', user, clientId, usage.requestBytes, nowMs);
      throttleMs = Math.max(throttleMs, bytesThrottleMs);
      frame = usage.noResponse ? null : encode(withThrottle(body, throttleMs));
    } else if (context.apiKey === FETCH) {
      frame = encode(withThrottle(body, throttleMs));
      const responseBytes = frame.reduce((sum, part) => sum + part.length, 0);
      const bytesThrottleMs = this.enforcer.record('consumer_byte_rate', user, clientId, responseBytes, nowMs);
      throttleMs = Math.max(throttleMs, bytesThrottleMs);
      if (throttleMs > 0) {
        this.enforcer.unrecord('consumer_byte_rate', user, clientId, responseBytes, nowMs);
        frame = encode(throttledFetch(body as FetchResponse, throttleMs));
      }
    } else {
      frame = encode(withThrottle(body, throttleMs));
    }
    if (throttleMs > 0) context.connection.throttle(throttleMs);
    return frame;
  }
}

/** What a throttled consumer gets: no data, only the time to wait (Kafka's getThrottledResponse). */
function throttledFetch(body: FetchResponse, throttleTimeMs: number): FetchResponse {
  return { ...body, throttleTimeMs, responses: [] };
}
