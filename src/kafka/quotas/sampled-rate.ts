// A rate measured as Kafka's quota sensors measure it (metrics.stats.Rate over a SampledStat of
// sums): `samples` windows of `windowMs` each, the current one receiving what is recorded; a
// window older than all of them together is reset before it is read. The rate is the sum of the
// windows over the time they span, counted as at least samples - 1 whole windows, so a client
// that has just started is not measured over a few milliseconds. Pure: time is a parameter.
import { assert } from '../../common/index.js';

interface Sample {
  startMs: number;
  lastEventMs: number;
  value: number;
}

export class SampledRate {
  private readonly samples: Sample[] = [];
  private current = 0;

  constructor(
    private readonly samplesCount: number,
    private readonly windowMs: number,
  ) {
    assert(samplesCount >= 1 && windowMs >= 1, 'a rate has at least one window of at least 1 ms');
  }

  /** Adds `value` (bytes, or percent-seconds of handler time) at `nowMs`; negative takes it back. */
  record(value: number, nowMs: number): void {
    let sample = this.currentSample(nowMs);
    if (nowMs - sample.startMs >= this.windowMs) sample = this.advance(nowMs);
    sample.value += value;
    sample.lastEventMs = nowMs;
  }

  /** The rate per second at `nowMs`. */
  measure(nowMs: number): number {
    const windowMs = this.windowSizeMs(nowMs);
    let total = 0;
    for (const sample of this.samples) total += sample.value;
    return total / (windowMs / 1000);
  }

  /** The time the rate is measured over (Kafka's Rate.windowSize). */
  windowSizeMs(nowMs: number): number {
    this.purgeObsolete(nowMs);
    let oldestStartMs = this.currentSample(nowMs).startMs;
    for (const sample of this.samples) oldestStartMs = Math.min(oldestStartMs, sample.startMs);
    let elapsedMs = nowMs - oldestStartMs;
    const fullWindows = Math.floor(elapsedMs / this.windowMs);
    const minFullWindows = this.samplesCount - 1;
    if (fullWindows < minFullWindows) elapsedMs += (minFullWindows - fullWindows) * this.windowMs;
    return Math.max(elapsedMs, 1);
  }

  /** When something was last recorded; -Infinity when never. */
  get lastRecordMs(): number {
    let last = -Infinity;
    for (const sample of this.samples) last = Math.max(last, sample.lastEventMs);
    return last;
  }

  private currentSample(nowMs: number): Sample {
    if (this.samples.length === 0) this.samples.push({ startMs: nowMs, lastEventMs: nowMs, value: 0 });
    return this.samples[this.current]!;
  }

  private advance(nowMs: number): Sample {
    this.current = (this.current + 1) % this.samplesCount;
    if (this.current >= this.samples.length) {
      const fresh = { startMs: nowMs, lastEventMs: nowMs, value: 0 };
      this.samples.push(fresh);
      return fresh;
    }
    const sample = this.samples[this.current]!;
    reset(sample, nowMs);
    return sample;
  }

  private purgeObsolete(nowMs: number): void {
    const expireMs = this.samplesCount * this.windowMs;
    for (const sample of this.samples) if (nowMs - sample.lastEventMs >= expireMs) reset(sample, nowMs);
  }
}

function reset(sample: Sample, nowMs: number): void {
  sample.startMs = nowMs;
  sample.lastEventMs = nowMs;
  sample.value = 0;
}
