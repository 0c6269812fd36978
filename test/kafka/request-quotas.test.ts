// How a finished request is charged to its quotas (RequestQuotas.settle), as Kafka's KafkaApis
// charges it: Produce's request bytes, Fetch's response bytes (an over-quota fetch answered empty
// and not charged), handler time for request_percentage (not for ApiVersions, the SASL exchange or
// acks=0), the largest throttle time in the response and the connection muted for it.
import { describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../../src/common/index.js';
import type { RequestContext } from '../../src/kafka/handler.js';
import { QuotaEnforcer } from '../../src/kafka/quotas/quota-enforcer.js';
import { RequestQuotas } from '../../src/kafka/quotas/request-quotas.js';
import { ClientQuotaStore, type QuotaKey } from '../../src/metadata/client-quotas.js';

function setup(quotas: Partial<Record<QuotaKey, number>>) {
  const store = new ClientQuotaStore();
  for (const [key, value] of Object.entries(quotas)) store.set({ clientId: 'app' }, key as QuotaKey, value);
  const enforcer = new QuotaEnforcer(store, { quotaWindowNum: 11, quotaWindowSizeSeconds: 1 });
  const nowMs = 0;
  const settle = new RequestQuotas(enforcer, () => nowMs);
  const muted: number[] = [];
  const context = (apiKey: number, clientId = 'app') =>
    ({
      apiKey,
      apiVersion: 9,
      correlationId: 1,
      clientId,
      principal: ANONYMOUS,
      clientAddress: '127.0.0.1',
      listenerName: 'PLAINTEXT',
      securityProtocol: 'PLAINTEXT',
      authenticatesClients: false,
      connection: { throttle: (ms: number) => muted.push(ms) },
    }) as unknown as RequestContext;
  const encoded: unknown[] = [];
  const encode = (body: unknown) => {
    encoded.push(body);
    return [Buffer.alloc(1000)];
  };
  return { settle, enforcer, context, encode, encoded, muted, now: () => nowMs };
}

describe('request quotas', () => {
  it('charge Produce its request bytes and put the throttle time in the answer', () => {
    const q = setup({ producer_byte_rate: 1000 });
    const usage = { requestBytes: 20_000, busyMs: 1, noResponse: false };
    q.settle.settle(q.context(0), usage, { throttleTimeMs: 0, responses: [] }, q.encode);
    // 20,000 bytes over the 10 s a new rate is measured over: twice the bound, for 10 s.
    expect(q.encoded).toEqual([{ throttleTimeMs: 10_000, responses: [] }]);
    expect(q.muted).toEqual([10_000]);
    // Another client id has no quota.
    q.settle.settle(q.context(0, 'other'), usage, { throttleTimeMs: 0, responses: [] }, q.encode);
    expect(q.encoded[1]).toEqual({ throttleTimeMs: 0, responses: [] });
    expect(q.muted).toEqual([10_000]);
  });

  it('mute an acks=0 producer without an answer', () => {
    const q = setup({ producer_byte_rate: 1000 });
    const frame = q.settle.settle(q.context(0), { requestBytes: 20_000, busyMs: 1, noResponse: true }, null, q.encode);
    expect(frame).toBeNull();
    expect(q.muted).toEqual([10_000]);
  });

  it('answer an over-quota Fetch empty, and not charge it the bytes it did not get', () => {
    const q = setup({ consumer_byte_rate: 1000 });
    const body = { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: 't', partitions: [] }] };
    const request = { maxBytes: 50 * 1024 * 1024 };
    q.settle.capRequest(q.context(1), request);
    expect(request.maxBytes).toBe(10_000); // the bound times (samples - 1) windows
    for (let i = 0; i < 10; i++)
      q.settle.settle(q.context(1), { requestBytes: 50, busyMs: 0, noResponse: false }, body, q.encode);
    expect(q.muted).toEqual([]);
    // The eleventh 1,000-byte answer would make 1,100 B/s over 10 s: it is answered empty instead.
    q.settle.settle(q.context(1), { requestBytes: 50, busyMs: 0, noResponse: false }, body, q.encode);
    expect(q.encoded.at(-1)).toEqual({ ...body, throttleTimeMs: 1000, responses: [] });
    expect(q.muted).toEqual([1000]);
    // Not charged: the rate is back at the bound, not over it.
    expect(q.enforcer.record('consumer_byte_rate', 'ANONYMOUS', 'app', 0, q.now())).toBe(0);
  });

  it('charge handler time to request_percentage, except for ApiVersions and the SASL exchange', () => {
    const q = setup({ request_percentage: 10 });
    const busy = { requestBytes: 50, busyMs: 2000, noResponse: false }; // 200 percent-seconds
    for (const apiKey of [17, 18, 36]) q.settle.settle(q.context(apiKey), busy, { throttleTimeMs: 0 }, q.encode);
    expect(q.muted).toEqual([]);
    q.settle.settle(q.context(3), busy, { throttleTimeMs: 0 }, q.encode);
    expect(q.muted).toEqual([10_000]); // 20 % over 10 s against 10 %
  });
});
