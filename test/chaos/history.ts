// A history checker for Kafka-style logs, after the anomaly list of Jepsen's Kafka workload:
// producers record what was acknowledged (value → partition and offset), consumers record what
// each poll returned, and a final read records every partition from the start. The checker reports
//   lost-write            an acknowledged value missing from the final read
//   duplicate             one value stored at more than one offset
//   inconsistent-offsets  one offset holding different values in different reads
//   wrong-offset          an acknowledged value stored at another offset than acknowledged
//   nonmonotonic-poll     a consumer saw offsets go backwards in a partition without a seek
//   poll-skip             a consumer jumped over offsets that exist in the final read
//   unseen                an acknowledged value no consumer ever polled (reported, not always fatal)

export interface Ack {
  readonly value: string;
  readonly partition: number;
  readonly offset: number;
}

export interface PolledRecord {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

export interface ConsumerHistory {
  readonly consumer: string;
  /** Polls in order; `seek` marks a deliberate reposition (rebalance, restart) before that poll. */
  readonly polls: readonly { readonly records: readonly PolledRecord[]; readonly seek?: boolean }[];
}

export interface Anomaly {
  readonly kind:
    'lost-write' | 'duplicate' | 'inconsistent-offsets' | 'wrong-offset' | 'nonmonotonic-poll' | 'poll-skip' | 'unseen';
  readonly detail: string;
}

export interface CheckInput {
  readonly acks: readonly Ack[];
  readonly consumers: readonly ConsumerHistory[];
  /** The whole log of each partition read from its start after the run (partition → records). */
  readonly finalRead: ReadonlyMap<number, readonly PolledRecord[]>;
}

export interface CheckResult {
  readonly anomalies: Anomaly[];
  readonly counts: Record<Anomaly['kind'], number>;
  readonly acked: number;
  readonly stored: number;
}

const LIMIT_PER_KIND = 20;

export function checkHistory(input: CheckInput): CheckResult {
  const anomalies: Anomaly[] = [];
  const counts: Record<Anomaly['kind'], number> = {
    'lost-write': 0,
    duplicate: 0,
    'inconsistent-offsets': 0,
    'wrong-offset': 0,
    'nonmonotonic-poll': 0,
    'poll-skip': 0,
    unseen: 0,
  };
  const report = (kind: Anomaly['kind'], detail: string) => {
    counts[kind]++;
    if (counts[kind] <= LIMIT_PER_KIND) anomalies.push({ kind, detail });
  };

  // Every read, final and polled, must agree on what each offset holds.
  const valueAt = new Map<string, string>();
  const offsetsOf = new Map<string, Set<string>>();
  const observe = (r: PolledRecord, source: string) => {
    const key = `${r.partition}:${r.offset}`;
    const seen = valueAt.get(key);
    if (seen !== undefined && seen !== r.value)
      report('inconsistent-offsets', `${key} held ${seen} and ${r.value} (${source})`);
    if (seen === undefined) valueAt.set(key, r.value);
    const places = offsetsOf.get(r.value) ?? new Set<string>();
    places.add(key);
    offsetsOf.set(r.value, places);
  };
  let stored = 0;
  for (const [partition, records] of input.finalRead) {
    let previous = -1;
    for (const r of records) {
      if (r.partition !== partition) throw new Error('final read mixes partitions');
      if (r.offset <= previous)
        report('nonmonotonic-poll', `final read of ${partition} went from ${previous} to ${r.offset}`);
      previous = r.offset;
      observe(r, 'final read');
      stored++;
    }
  }
  for (const consumer of input.consumers) {
    for (const poll of consumer.polls) for (const r of poll.records) observe(r, consumer.consumer);
  }
  for (const [value, places] of offsetsOf) {
    if (places.size > 1) report('duplicate', `${value} stored at ${[...places].join(', ')}`);
  }

  const finalOffsets = new Map<number, Set<number>>();
  for (const [partition, records] of input.finalRead)
    finalOffsets.set(partition, new Set(records.map((r) => r.offset)));
  const polledValues = new Set<string>();
  for (const consumer of input.consumers) {
    const last = new Map<number, number>();
    for (const poll of consumer.polls) {
      if (poll.seek) last.clear();
      for (const r of poll.records) {
        polledValues.add(r.value);
        const before = last.get(r.partition);
        if (before !== undefined) {
          if (r.offset <= before) {
            report('nonmonotonic-poll', `${consumer.consumer} read ${r.partition}:${r.offset} after ${before}`);
          } else {
            const existing = finalOffsets.get(r.partition);
            for (let o = before + 1; o < r.offset && existing; o++) {
              if (existing.has(o)) {
                report('poll-skip', `${consumer.consumer} skipped ${r.partition}:${o} (from ${before} to ${r.offset})`);
                break;
              }
            }
          }
        }
        last.set(r.partition, r.offset);
      }
    }
  }

  for (const ack of input.acks) {
    const places = offsetsOf.get(ack.value);
    const at = `${ack.partition}:${ack.offset}`;
    const inFinal = input.finalRead.get(ack.partition)?.some((r) => r.value === ack.value) ?? false;
    if (!inFinal) report('lost-write', `${ack.value} acknowledged at ${at} is not in the final read`);
    else if (!places?.has(at))
      report('wrong-offset', `${ack.value} acknowledged at ${at} is stored at ${[...(places ?? [])].join(', ')}`);
    if (input.consumers.length > 0 && !polledValues.has(ack.value))
      report('unseen', `${ack.value} (${at}) was never polled`);
  }
  return { anomalies, counts, acked: input.acks.length, stored };
}
