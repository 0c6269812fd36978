// Storage's recovery promises, on a disk that loses what was not fsynced: after a power loss at a
// seeded moment of an append / flush / roll / truncate / retention workload, PartitionLog.open
// recovers a log that holds exactly a prefix of what was appended (from its log start), contains
// everything a resolved flush covered, answers reads and timestamp lookups through valid indexes,
// keeps consistent leader epochs and producer state (the open transactions, and the aborted ones
// a read_committed fetch of any range is told of, from the .txnindex files or their rebuild), and
// cuts and reports a torn tail.
// BROOK_CRASH_SEEDS=N runs more seeds (CI runs the default).
import { describe, expect, it } from 'vitest';
import { readBatchHeader } from '../../src/storage/index.js';
import {
  type CrashOutcome,
  LOG_DIR,
  type LogModel,
  PRODUCER_ID,
  TXN_PRODUCER_IDS,
  crashAndRecover,
  tornSegments,
} from './crash-workload.js';
import { batch } from './helpers.js';

const SEEDS = Number(process.env.BROOK_CRASH_SEEDS ?? 300);
const TORN_TAIL = 'truncating torn or corrupt log tail';
const DELETED_AFTER_END = 'deleting a segment after the end of the recovered log';

function describeError(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : JSON.stringify(err);
}

/** Every broken promise of the recovered log, as readable lines (empty when it kept them all). */
async function problemsOf(outcome: CrashOutcome): Promise<string[]> {
  const { model, loop, recovered: log } = outcome;
  if (outcome.workloadError !== undefined)
    return [`workload failed before the crash: ${describeError(outcome.workloadError)}`];
  if (log === null) return [`open failed: ${describeError(outcome.openError)}`];
  const problems: string[] = [];
  const problem = (text: string): number => problems.push(text);
  const start = log.logStartOffset;
  const end = log.logEndOffset;
  if (end < model.ackedEnd) problem(`log end ${end} below the flushed end ${model.ackedEnd}`);
  if (start < model.startFloor) problem(`log start ${start} below the deleted-before ${model.startFloor}`);
  if (start > end) problem(`log start ${start} beyond the log end ${end}`);
  if (log.durableEndOffset !== end) problem(`durable end ${log.durableEndOffset} != log end ${end} after open`);

  // Content: whole batches from the one holding the log start to the end, each as appended.
  const bases: number[] = [];
  let next = start;
  for (let i = 0; i < 100_000 && next < end; i++) {
    const { chunks } = await loop.settle(log.read(next, 64 * 1024, end));
    const bytes = Buffer.concat(chunks);
    if (bytes.length === 0) {
      problem(`read at ${next} returned nothing below the log end ${end}`);
      break;
    }
    for (let at = 0; at < bytes.length;) {
      const header = readBatchHeader(bytes, at);
      const lastOffset = header.baseOffset + header.lastOffsetDelta;
      const expected = model.batches.get(header.baseOffset);
      if (bases.length === 0 && !(header.baseOffset <= next && next <= lastOffset))
        problem(`the first batch read at ${next} is ${header.baseOffset}..${lastOffset}`);
      if (bases.length > 0 && header.baseOffset !== next)
        problem(`gap: batch at ${header.baseOffset}, expected ${next}`);
      if (expected === undefined || Buffer.compare(expected.bytes, bytes.subarray(at, at + header.sizeBytes)) !== 0)
        problem(`batch at ${header.baseOffset} is not the one appended there`);
      bases.push(header.baseOffset);
      next = lastOffset + 1;
      at += header.sizeBytes;
    }
  }
  if (problems.length > 0) return problems;

  // Indexes: a read at any offset starts with the batch holding it; time lookups find each batch.
  for (const base of bases) {
    const batchModel = model.batches.get(base);
    if (batchModel === undefined) continue;
    const inside = Math.max(start, base + ((base * 7) % (batchModel.lastOffset - base + 1)));
    const { chunks } = await loop.settle(log.read(inside, 1, end));
    const first = chunks[0] === undefined ? null : readBatchHeader(chunks[0]);
    if (first?.baseOffset !== base) problem(`read at ${inside} starts at ${first?.baseOffset}, not ${base}`);
    if (base >= start) {
      const found = await loop.settle(log.offsetForTimestamp(batchModel.firstTimestamp));
      if (found?.offset !== base)
        problem(`offsetForTimestamp(${batchModel.firstTimestamp}) = ${found?.offset}, not ${base}`);
    }
  }

  // Leader epochs: increasing, within the log, and naming the epoch of every batch they cover.
  const entries = log.epochEntries();
  entries.forEach((e, i) => {
    const previous = entries[i - 1];
    if (previous && (e.epoch <= previous.epoch || e.startOffset <= previous.startOffset))
      problem(`epoch entries do not increase: ${JSON.stringify(entries)}`);
    if (e.startOffset > end) problem(`epoch ${e.epoch} starts at ${e.startOffset}, beyond the log end ${end}`);
  });
  for (const base of bases) {
    const covering = [...entries].reverse().find((e) => e.startOffset <= Math.max(base, start));
    const epoch = model.batches.get(base)?.epoch;
    if (covering?.epoch !== epoch)
      problem(`batch ${base} of epoch ${epoch} is under entry ${JSON.stringify(covering)}`);
  }

  // Producer state: the last idempotent batch in the log is the producer's last batch.
  const lastIdempotent = [...bases]
    .reverse()
    .map((base) => model.batches.get(base))
    .find((b) => b?.producer != null);
  if (lastIdempotent?.producer) {
    const got = log.producerLastBatch(PRODUCER_ID);
    const want = {
      epoch: lastIdempotent.producer.epoch,
      batch: {
        firstSeq: lastIdempotent.producer.firstSeq,
        lastSeq: lastIdempotent.producer.lastSeq,
        firstOffset: lastIdempotent.baseOffset,
        lastOffset: lastIdempotent.lastOffset,
      },
    };
    if (JSON.stringify(got) !== JSON.stringify(want))
      problem(`producer state ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }

  for (const text of transactionProblems(log, model, bases)) problem(text);

  // A torn tail is cut (the files hold whole batches again) and reported: the torn segment is
  // truncated, or deleted when it lies beyond an earlier end of the log; nothing else is reported torn.
  const reportedAs = (msg: string): number[] =>
    outcome.lines.filter((l) => l.msg === msg).map((l) => Number(l.segment));
  for (const base of outcome.tornSegments) {
    if (!reportedAs(TORN_TAIL).includes(base) && !reportedAs(DELETED_AFTER_END).includes(base))
      problem(`segment ${base} was torn by the crash; recovery did not report it`);
  }
  for (const base of reportedAs(TORN_TAIL))
    if (!outcome.tornSegments.includes(base)) problem(`segment ${base} reported torn, but its bytes were whole`);
  const opened = outcome.lines.find((l) => l.msg === 'partition log opened');
  if (outcome.tornSegments.length > 0 && !(Number(opened?.truncatedBytes) > 0))
    problem(`torn segments, but the open reports ${String(opened?.truncatedBytes)} bytes truncated`);
  if (tornSegments(outcome.sim).length > 0) problem(`${LOG_DIR} still holds partial batches after open`);

  // And the log goes on: an append after recovery is durable and survives a clean reopen.
  if (problems.length === 0) {
    log.appendAsLeader([batch('after', 2)], Math.max(0, log.lastEpoch));
    await loop.settle(log.flush());
    await loop.settle(log.close());
  }
  return problems;
}

interface ModelTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  markerOffset: number | null;
  aborted: boolean;
}

/**
 * The transactions of the batches below the recovered log end, in offset order, by the partition's
 * rules: a producer's transactional batch opens one unless it has one open, its marker ends it.
 */
function modelTransactions(model: LogModel, end: number): ModelTxn[] {
  const txns: ModelTxn[] = [];
  const open = new Map<number, ModelTxn>();
  const batches = [...model.batches.values()]
    .filter((b) => b.baseOffset < end)
    .sort((a, b) => a.baseOffset - b.baseOffset);
  for (const batch of batches) {
    if (!batch.txn) continue;
    const current = open.get(batch.txn.producerId);
    if (batch.txn.marker === null) {
      if (current) continue;
      const txn: ModelTxn = {
        producerId: batch.txn.producerId,
        firstOffset: batch.baseOffset,
        markerOffset: null,
        aborted: false,
      };
      open.set(batch.txn.producerId, txn);
      txns.push(txn);
    } else if (current) {
      current.markerOffset = batch.baseOffset;
      current.aborted = !batch.txn.marker;
      open.delete(batch.txn.producerId);
    }
  }
  return txns;
}

/**
 * The recovered producer state against the model: each producer's open transaction, and for
 * fetches starting at every batch of the log, the aborted transactions reported. A transaction that
 * began below the log start is left out: what the log knows of its start depends on whether a
 * snapshot from before the deletion survived (both answers serve the readable range).
 */
function transactionProblems(log: NonNullable<CrashOutcome['recovered']>, model: LogModel, bases: number[]): string[] {
  const problems: string[] = [];
  const start = log.logStartOffset;
  const end = log.logEndOffset;
  const txns = modelTransactions(model, end);
  const unknowable = new Set(txns.filter((t) => t.firstOffset < start).map((t) => t.markerOffset));
  for (const producerId of TXN_PRODUCER_IDS) {
    const open = txns.find((t) => t.producerId === producerId && t.markerOffset === null);
    if (open && open.firstOffset < start) continue;
    const got = log.ongoingTransaction(producerId)?.firstOffset ?? null;
    if (got !== (open?.firstOffset ?? null))
      problems.push(`producer ${producerId}: open transaction from ${got}, expected ${open?.firstOffset ?? null}`);
  }
  bases.forEach((from, i) => {
    const fetchOffset = Math.max(from, start);
    const upTo = bases[i + 3] ?? end;
    const got = log
      .abortedTransactions(fetchOffset, upTo)
      .filter((t) => !unknowable.has(t.lastOffset))
      .map((t) => `${t.producerId}@${t.firstOffset}..${t.lastOffset}`)
      .sort();
    const want = txns
      .filter((t) => t.aborted && t.firstOffset >= start && t.markerOffset !== null)
      .filter((t) => (t.markerOffset as number) >= fetchOffset && t.firstOffset < upTo)
      .map((t) => `${t.producerId}@${t.firstOffset}..${t.markerOffset}`)
      .sort();
    if (JSON.stringify(got) !== JSON.stringify(want))
      problems.push(`aborted transactions of [${fetchOffset}, ${upTo}): ${got.join(' ')} expected ${want.join(' ')}`);
  });
  return problems;
}

describe('crash recovery on SimDisk', () => {
  it(
    `keeps storage's promises after a power loss at a seeded moment (${SEEDS} seeds)`,
    async () => {
      const failures: string[] = [];
      const torn = { seeds: 0 };
      for (let seed = 1; seed <= SEEDS && failures.length < 3; seed++) {
        const outcome = await crashAndRecover(seed);
        if (outcome.tornSegments.length > 0) torn.seeds++;
        const problems = await problemsOf(outcome);
        if (problems.length > 0)
          failures.push(`seed ${seed}:\n  ${problems.join('\n  ')}\n  trace: ${outcome.trace.slice(-25).join(' | ')}`);
      }
      expect(failures.join('\n\n')).toBe('');
      // The seeds must exercise the torn-tail path, not only clean cuts.
      expect(torn.seeds).toBeGreaterThan(SEEDS / 20);
    },
    Math.max(60_000, SEEDS * 50), // a long run (BROOK_CRASH_SEEDS) gets time in proportion
  );
});
