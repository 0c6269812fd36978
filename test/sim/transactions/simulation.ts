// The seeded transaction simulation: the real TransactionCoordinator (state machine, marker channel,
// loading and resuming) on three simulated nodes, with its I/O simulated — __transaction_state as
// committed logs whose leadership moves, partitions with the partition side's rules and last stable
// offset, transactional producers — over virtual time. One seed fixes every choice.
//
// Safety phase: producers run transactions while the world injects faults: node crashes at random
// and aimed right after a Prepare* or Complete* record commits (the coordinator dies between any
// two steps of ending a transaction), __transaction_state leaderships moved to live nodes, appends
// that fail or commit with a failed answer, data partition leaders moving, marker calls dropped,
// answered into the void or delivered twice, requests lost both ways, producers stalling past their
// transaction timeout. Liveness phase: faults stop, every node runs, producers finish; within the
// bound every transaction must have ended on every partition. The checker (checker.ts) then reads
// the history.
//
// Bugs can be planted from here, replacing a method of the real code, to show the checker catches
// them (SimBug).
import { TxnMarkerChannel } from '../../../src/transactions/marker-channel.js';
import type { TxnLogRecord } from '../../../src/transactions/records.js';
import { TxnState } from '../../../src/transactions/state.js';
import { checkHistory, CompletionWatcher, type Violation } from './checker.js';
import { SimProducer } from './producer.js';
import { NODES, SimWorld, TXN_PARTITIONS, type WorldStats } from './world.js';

export const SimBug = {
  /** The coordinator writes Complete* once the markers are sent, not once they are durable. */
  completeOnSend: 'completeOnSend',
  /** A marker counts as written whatever its partition answered. */
  ignoreMarkerErrors: 'ignoreMarkerErrors',
} as const;
export type SimBug = (typeof SimBug)[keyof typeof SimBug];

export interface TxnSimOptions {
  readonly seed: number;
  readonly safetyMs?: number;
  readonly livenessMs?: number;
  readonly producers?: number;
  readonly bug?: SimBug;
  /** Prints every __transaction_state record of this transactional id as it commits. */
  readonly trace?: string;
}

function traceRecord(partition: number, record: TxnLogRecord, nowMs: number): void {
  const v = record.value;
  const what = v
    ? `${v.state} producer ${v.producerId} epoch ${v.producerEpoch} [${[...v.partitions].join(', ')}]`
    : 'tombstone';
  console.log(`${nowMs} ms: __transaction_state-${partition} ${record.transactionalId} ${what}`);
}

export interface TxnSimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly violations: Violation[];
  readonly stats: WorldStats & { transactions: number; committed: number; aborted: number; unknown: number };
}

type ChannelInternals = {
  options: { onWritten: (c: unknown) => void };
  answered: (
    nodeId: number,
    batch: readonly { completion: unknown; key: string }[],
    results: readonly unknown[],
  ) => void;
  markerDone: (completion: unknown, key: string) => void;
  add: (completion: { pending: Set<string> }) => void;
};

/** Replaces methods of the real marker channel for the run; returns the undo. */
function plant(bug: SimBug | undefined): () => void {
  if (!bug) return () => {};
  const proto = TxnMarkerChannel.prototype as unknown as ChannelInternals;
  if (bug === SimBug.completeOnSend) {
    const add = proto.add;
    const markerDone = proto.markerDone;
    const early = new WeakSet<object>();
    proto.add = function (this: ChannelInternals, completion) {
      add.call(this, completion);
      if (completion.pending.size > 0) {
        early.add(completion);
        this.options.onWritten(completion);
      }
    };
    proto.markerDone = function (this: ChannelInternals & { active: Set<unknown> }, completion, key) {
      const c = completion as { pending: Set<string> };
      if (!early.has(c)) return markerDone.call(this, completion, key);
      c.pending.delete(key);
      if (c.pending.size === 0) this.active.delete(completion);
    };
    return () => {
      proto.add = add;
      proto.markerDone = markerDone;
    };
  }
  const answered = proto.answered;
  proto.answered = function (this: ChannelInternals, nodeId, batch, results) {
    answered.call(
      this,
      nodeId,
      batch,
      (results as { errorCode: number }[]).map((r) => ({ ...r, errorCode: 0 })),
    );
  };
  return () => {
    proto.answered = answered;
  };
}

export async function runTransactionSimulation(options: TxnSimOptions): Promise<TxnSimResult> {
  const safetyMs = options.safetyMs ?? 12_000;
  const livenessMs = options.livenessMs ?? 20_000;
  const watcher = new CompletionWatcher();
  const assertions: Violation[] = [];
  const onRejection = (err: unknown) =>
    assertions.push({ kind: 'assertion', detail: String((err as Error)?.stack ?? err) });
  process.on('unhandledRejection', onRejection);
  const undo = plant(options.bug);
  try {
    const seedRng = (options.seed * 2654435761) >>> 0;
    const faultLevel = (seedRng % 4) / 4; // 0, 0.25, 0.5, 0.75: some seeds calm, some rough
    const world = new SimWorld({
      seed: options.seed,
      faults: {
        dropRate: 0.02 * faultLevel,
        lostAnswerRate: 0.1 * faultLevel,
        duplicateRate: 0.08 * faultLevel,
        appendFailRate: 0.06 * faultLevel,
        appendAmbiguousRate: 0.06 * faultLevel,
      },
      onTxnRecord: (partition, record, w) => {
        if (options.trace === record.transactionalId) traceRecord(partition, record, w.nowMs);
        watcher.onRecord(record, w);
      },
      aimedCrashRate: 0.05 + 0.15 * faultLevel,
      transactionalIdExpirationMs: 15_000,
    });
    for (const nodeId of NODES) world.start(nodeId);
    for (let p = 0; p < TXN_PARTITIONS; p++) world.moveTxnLeader(p, NODES[p % NODES.length]);

    // Nemesis: crashes, restarts, leadership moves.
    const nemesis = () => {
      if (!world.faultsOn) return;
      const roll = world.rng.next();
      const down = NODES.filter((n) => !world.live(n));
      if (roll < 0.35 && down.length === 0) {
        const victim = NODES[world.rng.nextInt(0, NODES.length)]!;
        world.crash(victim);
        world.at(300 + world.rng.nextInt(0, 2000), () => {
          if (!world.live(victim)) world.start(victim);
        });
      } else if (roll < 0.6) {
        world.moveTxnLeader(world.rng.nextInt(0, TXN_PARTITIONS));
      } else if (roll < 0.8) {
        world.moveDataLeader(world.rng.nextInt(0, world.dataPartitions.length));
      }
      world.at(200 + world.rng.nextInt(0, 800), nemesis);
    };
    world.at(500, nemesis);

    const producers = Array.from({ length: options.producers ?? 4 }, (_, i) => new SimProducer(world, `txn-${i}`));
    const runs = producers.map((p) => p.run());
    await world.run(safetyMs);

    // Liveness: no more faults, every node up, no new transactions.
    world.faultsOn = false;
    for (const p of producers) p.stopped = true;
    for (const nodeId of NODES) if (!world.live(nodeId)) world.start(nodeId);
    for (const nodeId of NODES) world.failOver(nodeId);
    for (const p of world.txnPartitions) if (!world.live(p.leader)) world.moveTxnLeader(p.partition);
    await world.run(safetyMs + livenessMs);
    const stuck: Violation[] = [];
    for (const p of producers) {
      const coordinator = world.coordinatorOf(p.transactionalId);
      const state = coordinator?.coordinator.describe(p.transactionalId).state;
      if (state === TxnState.Ongoing || state === TxnState.PrepareCommit || state === TxnState.PrepareAbort)
        stuck.push({ kind: 'not-ended', detail: `${p.transactionalId} is ${state}` });
    }
    void runs;
    const transactions = producers.flatMap((p) => p.transactions);
    const violations = [...assertions, ...watcher.violations, ...checkHistory(world, transactions, stuck)];
    for (const nodeId of NODES) world.live(nodeId)?.coordinator.close();
    return {
      seed: options.seed,
      ok: violations.length === 0,
      violations,
      stats: {
        ...world.stats,
        transactions: transactions.length,
        committed: transactions.filter((t) => t.outcome === 'committed').length,
        aborted: transactions.filter((t) => t.outcome === 'aborted').length,
        unknown: transactions.filter((t) => t.outcome === 'unknown').length,
      },
    };
  } finally {
    undo();
    process.off('unhandledRejection', onRejection);
  }
}
