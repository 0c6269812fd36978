// Client quota enforcement as Kafka's ClientQuotaManager does it: the quota that applies to a
// request (by user and client id, with Kafka's precedence, from the replicated metadata) has a
// rate sensor shared by everyone the quota covers; recording a value returns how long the client
// must wait for the rate to come back to the bound, (rate - bound) / bound × the window the rate
// is measured over, or 0 within it. Sensors nobody records to for an hour are dropped, and at most
// limits.quotaSensorsMax are kept (the least recently used goes first).
import { limits, type NodeConfig } from '../../common/index.js';
import type { AppliedQuota, ClientQuotaStore, QuotaKey } from '../../metadata/index.js';
import { SampledRate } from './sampled-rate.js';

export type QuotaWindows = Pick<NodeConfig, 'quotaWindowNum' | 'quotaWindowSizeSeconds'>;

export class QuotaEnforcer {
  /** Insertion order is use order: a sensor is moved to the end each time it is recorded to. */
  private readonly sensors = new Map<string, SampledRate>();
  private readonly resolved = new Map<string, AppliedQuota | null>();
  private resolvedVersion = -1;
  private readonly windowMs: number;
  private nextSweepMs = 0;

  constructor(
    private readonly store: ClientQuotaStore,
    private readonly windows: QuotaWindows,
  ) {
    this.windowMs = windows.quotaWindowSizeSeconds * 1000;
  }

  /** No quota is configured at all: nothing needs recording (Kafka's quotasEnabled). */
  get idle(): boolean {
    return this.store.size === 0;
  }

  /** Records `value` against quota `key` of (user, clientId); the throttle time in ms. */
  record(key: QuotaKey, user: string, clientId: string, value: number, nowMs: number): number {
    const quota = this.quotaOf(key, user, clientId);
    if (quota === null) return 0;
    const rate = this.sensor(quota.sensorKey, nowMs);
    rate.record(value, nowMs);
    const measured = rate.measure(nowMs);
    if (measured <= quota.bound) return 0;
    return Math.round(((measured - quota.bound) / quota.bound) * rate.windowSizeMs(nowMs));
  }

  /** Takes back what `record` added (a throttled fetch returns nothing). */
  unrecord(key: QuotaKey, user: string, clientId: string, value: number, nowMs: number): void {
    const quota = this.quotaOf(key, user, clientId);
    if (quota !== null) this.sensors.get(quota.sensorKey)?.record(-value, nowMs);
  }

  /** The most that can be recorded at once without a certain throttle (Kafka's getMaxValueInQuotaWindow). */
  maxValueInWindow(key: QuotaKey, user: string, clientId: string): number {
    const quota = this.quotaOf(key, user, clientId);
    if (quota === null) return Number.POSITIVE_INFINITY;
    return quota.bound * (this.windows.quotaWindowNum - 1) * this.windows.quotaWindowSizeSeconds;
  }

  get sensorCount(): number {
    return this.sensors.size;
  }

  private quotaOf(key: QuotaKey, user: string, clientId: string): AppliedQuota | null {
    if (this.resolvedVersion !== this.store.version || this.resolved.size > limits.quotaSensorsMax) {
      this.resolved.clear();
      this.resolvedVersion = this.store.version;
    }
    const cacheKey = `${key}\u0000${user}\u0000${clientId}`;
    let quota = this.resolved.get(cacheKey);
    if (quota === undefined) {
      quota = this.store.resolve(key, user, clientId);
      this.resolved.set(cacheKey, quota);
    }
    return quota;
  }

  private sensor(sensorKey: string, nowMs: number): SampledRate {
    let rate = this.sensors.get(sensorKey);
    if (rate) {
      this.sensors.delete(sensorKey);
    } else {
      rate = new SampledRate(this.windows.quotaWindowNum, this.windowMs);
      this.sweep(nowMs);
    }
    this.sensors.set(sensorKey, rate);
    return rate;
  }

  private sweep(nowMs: number): void {
    while (this.sensors.size >= limits.quotaSensorsMax) {
      const oldest = this.sensors.keys().next().value as string;
      this.sensors.delete(oldest);
    }
    if (nowMs < this.nextSweepMs) return;
    this.nextSweepMs = nowMs + 60_000;
    for (const [sensorKey, rate] of this.sensors) {
      if (nowMs - rate.lastRecordMs < limits.quotaSensorIdleMs) break; // use order: the rest are newer
      this.sensors.delete(sensorKey);
    }
  }
}
