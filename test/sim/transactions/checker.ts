// What must hold of the transaction simulation's history:
//   early-complete  CompleteCommit/CompleteAbort committed to __transaction_state while a marker of
//                   that transaction was not yet durable on one of its partitions (checked as the
//                   record commits: the coordinator's own promise)
//   torn            one transaction committed on some partitions and aborted on others
//   lost-commit     EndTxn(commit) answered NONE, yet the transaction is not committed everywhere it wrote
//   aborted-read    EndTxn(abort) answered NONE, yet some partition committed it
//   hanging         after the run, data with no marker ending its transaction (a stuck last stable offset)
//   lso             after the run, a partition whose last stable offset is below its high watermark
//   not-ended       after the run, a coordinator still holding a transaction Ongoing or Prepare*
import type { TxnLogRecord } from '../../../src/transactions/records.js';
import { TxnState } from '../../../src/transactions/state.js';
import type { TxnRecord } from './producer.js';
import type { SimWorld } from './world.js';

export interface Violation {
  readonly kind:
    'early-complete' | 'torn' | 'lost-commit' | 'aborted-read' | 'hanging' | 'lso' | 'not-ended' | 'assertion';
  readonly detail: string;
}

/** Watches __transaction_state as records commit. */
export class CompletionWatcher {
  readonly violations: Violation[] = [];
  private readonly prepared = new Map<string, TxnLogRecord>();

  onRecord(record: TxnLogRecord, world: SimWorld): void {
    const v = record.value;
    if (v === null) return;
    if (v.state === TxnState.PrepareCommit || v.state === TxnState.PrepareAbort) {
      this.prepared.set(record.transactionalId, record);
      return;
    }
    if (v.state !== TxnState.CompleteCommit && v.state !== TxnState.CompleteAbort) return;
    const prepare = this.prepared.get(record.transactionalId)?.value;
    if (!prepare || prepare.producerId !== v.producerId || prepare.producerEpoch !== v.producerEpoch) return;
    const committed = v.state === TxnState.CompleteCommit;
    for (const key of prepare.partitions) {
      const partition = Number(key.slice(key.lastIndexOf('-') + 1));
      const data = world.dataPartitions[partition]!;
      const durable = data.entries
        .slice(0, data.highWatermark)
        .some(
          (e) =>
            e.kind === 'marker' &&
            e.producerId === v.producerId &&
            e.producerEpoch === v.producerEpoch &&
            e.committed === committed,
        );
      if (!durable) {
        this.violations.push({
          kind: 'early-complete',
          detail: `${record.transactionalId} ${v.state} at epoch ${v.producerEpoch} before its marker on partition ${partition} was durable`,
        });
      }
    }
  }
}

/** The end state: every transaction ended the same way everywhere, as its producer was told. */
export function checkHistory(
  world: SimWorld,
  transactions: readonly TxnRecord[],
  coordinatorsIdle: Violation[],
): Violation[] {
  const out: Violation[] = [...coordinatorsIdle];
  const outcomes = new Map<string, Set<'committed' | 'aborted'>>();
  for (const data of world.dataPartitions) {
    if (data.lastStableOffset < data.highWatermark) {
      out.push({
        kind: 'lso',
        detail: `partition ${data.partition}: LSO ${data.lastStableOffset} < HW ${data.highWatermark}`,
      });
    }
    data.entries.forEach((entry, offset) => {
      if (entry.kind !== 'data') return;
      const end = data.entries.slice(offset + 1).find((e) => e.kind === 'marker' && e.producerId === entry.producerId);
      if (!end || end.kind !== 'marker') {
        out.push({ kind: 'hanging', detail: `${entry.txnTag} at ${data.partition}:${offset} has no marker` });
        return;
      }
      const set = outcomes.get(entry.txnTag) ?? new Set();
      set.add(end.committed ? 'committed' : 'aborted');
      outcomes.set(entry.txnTag, set);
    });
  }
  for (const [txnTag, set] of outcomes)
    if (set.size > 1) out.push({ kind: 'torn', detail: `${txnTag} committed and aborted` });
  for (const txn of transactions) {
    const set = outcomes.get(txn.txnTag);
    if (
      txn.outcome === 'committed' &&
      txn.written.length > 0 &&
      (!set || set.has('aborted') || !set.has('committed'))
    ) {
      out.push({
        kind: 'lost-commit',
        detail: `${txn.txnTag} was committed but reads ${[...(set ?? [])].join('/') || 'nothing'}`,
      });
    }
    if (txn.outcome === 'aborted' && set?.has('committed')) {
      out.push({ kind: 'aborted-read', detail: `${txn.txnTag} was aborted but is committed` });
    }
  }
  return out;
}
