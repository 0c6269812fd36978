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

// ------------------------------------------------------------------------------------------------
// Transactions (a consume-transform-produce workload, after Jepsen's Kafka transaction checks):
//   aborted-read   a read_committed consumer polled a record of a transaction that aborted
//   torn           one transaction's output committed in part (some records committed, some not)
//   duplicate      an input value committed to the output more than once (processed twice)
//   lost-write     an acknowledged input value missing from the committed output, or a
//                  transaction the processor was told committed whose output is not committed
//   offsets        the group's committed offsets are not where the committed output says the
//                  processing got (each input consumed exactly once)
// Commit or abort is read from the output log itself: a transactional record is committed when the
// first marker of its producer after it is a COMMIT.

/** A record of an output partition as stored: data (producerId -1 if not transactional) or a marker. */
export type LoggedRecord =
  | { readonly partition: number; readonly offset: number; readonly value: string; readonly producerId: number }
  | {
      readonly partition: number;
      readonly offset: number;
      readonly producerId: number;
      readonly marker: 'commit' | 'abort';
    };

export interface ProcessedTransaction {
  readonly tag: string;
  readonly inputs: readonly string[];
  /** What its commit said: committed, aborted, or unknown (it failed; either may have happened). */
  outcome: 'committed' | 'aborted' | 'unknown';
}

export type TxnAnomalyKind = 'aborted-read' | 'torn' | 'duplicate' | 'lost-write' | 'offsets';

export interface TxnCheckInput {
  readonly inputAcks: readonly Ack[];
  readonly transactions: readonly ProcessedTransaction[];
  readonly reader: ConsumerHistory;
  /** Output partition -> its whole log with markers. */
  readonly outputLog: ReadonlyMap<number, readonly LoggedRecord[]>;
  /** Input partition -> its log end, and the group's committed offset. */
  readonly inputEnds: ReadonlyMap<number, number>;
  readonly committedOffsets: ReadonlyMap<number, number>;
  /** Output values carry `input|tag`. */
  readonly separator: string;
}

export interface TxnCheckResult {
  readonly anomalies: { kind: TxnAnomalyKind; detail: string }[];
  readonly counts: Record<TxnAnomalyKind, number>;
  readonly committedRecords: number;
  readonly abortedRecords: number;
}

export function checkTransactions(input: TxnCheckInput): TxnCheckResult {
  const counts: Record<TxnAnomalyKind, number> = {
    'aborted-read': 0,
    torn: 0,
    duplicate: 0,
    'lost-write': 0,
    offsets: 0,
  };
  const anomalies: { kind: TxnAnomalyKind; detail: string }[] = [];
  const report = (kind: TxnAnomalyKind, detail: string) => {
    counts[kind]++;
    if (counts[kind] <= LIMIT_PER_KIND) anomalies.push({ kind, detail });
  };
  // Decide every output record from the log's markers.
  const fate = new Map<string, 'committed' | 'aborted' | 'open'>(); // "partition:offset"
  const committedByTag = new Map<string, number>();
  const totalByTag = new Map<string, number>();
  const committedInputs = new Map<string, string[]>();
  let committedRecords = 0;
  let abortedRecords = 0;
  for (const [partition, records] of input.outputLog) {
    records.forEach((r, i) => {
      if ('marker' in r) return;
      let outcome: 'committed' | 'aborted' | 'open' = 'committed';
      if (r.producerId >= 0) {
        const end = records.slice(i + 1).find((m) => 'marker' in m && m.producerId === r.producerId);
        outcome = end && 'marker' in end ? (end.marker === 'commit' ? 'committed' : 'aborted') : 'open';
      }
      fate.set(`${partition}:${r.offset}`, outcome);
      const [value, tag = ''] = r.value.split(input.separator);
      totalByTag.set(tag, (totalByTag.get(tag) ?? 0) + 1);
      if (outcome === 'committed') {
        committedRecords++;
        committedByTag.set(tag, (committedByTag.get(tag) ?? 0) + 1);
        const places = committedInputs.get(value!) ?? [];
        places.push(`${partition}:${r.offset}`);
        committedInputs.set(value!, places);
      } else if (outcome === 'aborted') abortedRecords++;
    });
  }
  for (const poll of input.reader.polls) {
    for (const r of poll.records) {
      const outcome = fate.get(`${r.partition}:${r.offset}`);
      if (outcome !== 'committed')
        report(
          'aborted-read',
          `${input.reader.consumer} read ${r.value} at ${r.partition}:${r.offset} (${outcome ?? 'not in the log'})`,
        );
    }
  }
  for (const [tag, total] of totalByTag) {
    const committed = committedByTag.get(tag) ?? 0;
    if (committed > 0 && committed < total) report('torn', `${tag}: ${committed} of ${total} records committed`);
  }
  for (const [value, places] of committedInputs) {
    if (places.length > 1) report('duplicate', `${value} committed at ${places.join(', ')}`);
  }
  for (const ack of input.inputAcks) {
    if (!committedInputs.has(ack.value))
      report('lost-write', `input ${ack.value} (${ack.partition}:${ack.offset}) never reached the committed output`);
  }
  for (const txn of input.transactions) {
    if (txn.outcome === 'committed' && (committedByTag.get(txn.tag) ?? 0) !== txn.inputs.length)
      report(
        'lost-write',
        `${txn.tag} committed ${txn.inputs.length} records; ${committedByTag.get(txn.tag) ?? 0} are`,
      );
  }
  for (const [partition, end] of input.inputEnds) {
    const committed = input.committedOffsets.get(partition);
    if (committed !== end)
      report('offsets', `input partition ${partition}: committed offset ${committed ?? 'none'}, log end ${end}`);
  }
  return { anomalies, counts, committedRecords, abortedRecords };
}
