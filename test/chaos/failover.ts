// The strict failover measure shared by the process and the container chaos suites: from the
// moment of a fault to the acknowledgement of the first write to the partition whose send() began
// after it. An answer already on its way when the fault hit, or a send begun before it and retried
// until it got through, does not count. Recoveries are collected per fault kind and reported as
// median and maximum.
import { sleep } from '../helpers/node-process.js';

/** One acknowledged write's timing: when its send() began and when its acknowledgement came. */
export interface AckTiming {
  readonly partition: number;
  readonly sentAtMs: number;
  readonly ackedAtMs: number;
}

/** Where the workload records its acknowledgements' timings (Workload.ackTimings). */
export interface TimedAcks {
  readonly ackTimings: readonly AckTiming[];
}

/**
 * Milliseconds from `faultAtMs` (just before the fault was asked for) to the first acknowledgement
 * of a write to `partition` sent at or after `inEffectAtMs` (once the call that caused the fault
 * returned: a write sent in between may have been answered before the fault took hold); Infinity
 * when none comes within `timeoutMs`.
 */
export async function strictRecoveryMs(
  acks: TimedAcks,
  partition: number,
  faultAtMs: number,
  inEffectAtMs: number,
  timeoutMs: number,
): Promise<number> {
  let scanned = 0;
  while (Date.now() - faultAtMs < timeoutMs) {
    const timings = acks.ackTimings;
    for (; scanned < timings.length; scanned++) {
      const t = timings[scanned]!;
      if (t.partition === partition && t.sentAtMs >= inEffectAtMs) return t.ackedAtMs - faultAtMs;
    }
    await sleep(10);
  }
  return Number.POSITIVE_INFINITY;
}

/** Recoveries per fault kind ("kill partition leader", "freeze controller", ...). */
export class FailoverReport {
  private readonly byKind = new Map<string, number[]>();

  add(kind: string, recoveryMs: number): void {
    const list = this.byKind.get(kind) ?? [];
    list.push(recoveryMs);
    this.byKind.set(kind, list);
  }

  kinds(): string[] {
    return [...this.byKind.keys()];
  }

  /** The middle recovery, or the mean of the two middle ones when their number is even. */
  median(kind: string): number {
    const sorted = [...(this.byKind.get(kind) ?? [])].sort((a, b) => a - b);
    if (sorted.length === 0) return Number.NaN;
    const high = sorted[Math.floor(sorted.length / 2)]!;
    return sorted.length % 2 === 1 ? high : Math.round((sorted[sorted.length / 2 - 1]! + high) / 2);
  }

  max(kind: string): number {
    return Math.max(...(this.byKind.get(kind) ?? [Number.NaN]));
  }

  /** One line per kind: `kind: n=3 median 640 ms, max 910 ms (640, 910, 520)`. */
  toString(): string {
    return this.kinds()
      .map((k) => {
        const all = this.byKind.get(k)!;
        return `${k}: n=${all.length} median ${this.median(k)} ms, max ${this.max(k)} ms (${all.join(', ')})`;
      })
      .join('\n');
  }
}
