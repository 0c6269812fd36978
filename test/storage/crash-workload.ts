// A seeded workload on one PartitionLog over a SimDisk (appends, group-commit flushes, segment
// rolls by size and age, truncations, DeleteRecords, retention, epoch changes, clean reopens,
// transactional batches of a few producers and the markers that commit or abort them),
// crashed (power loss) at a seeded moment of virtual time, then recovered by PartitionLog.open.
// The model records what the log promised before the crash: the batches it assigned offsets to,
// the end every resolved flush made durable, the log start every resolved deletion moved.
import type { Logger } from 'pino';
import { type Prng, createPrng } from '../../src/raft/prng.js';
import { silentLogger } from '../../src/common/log.js';
import {
  BATCH_HEADER_BYTES,
  type Disk,
  type LogConfig,
  PartitionLog,
  buildMarkerBatch,
  buildRecordBatch,
  computeBatchCrc,
  makeLogConfig,
  readBatchHeader,
} from '../../src/storage/index.js';
import { type CrashReport, SimDisk } from '../sim/disk.js';
import { VirtualLoop } from '../sim/virtual-loop.js';
import { captureLogger } from './helpers.js';

export const LOG_DIR = '/data/p-0';
export const PRODUCER_ID = 4242;
/** Transactional producers: their batches open a transaction, their markers end it. */
export const TXN_PRODUCER_IDS = [5000, 5001, 5002] as const;
/** Workload steps at most; the crash usually comes first. */
const STEPS_MAX = 400;

export interface ModelBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly bytes: Buffer;
  readonly epoch: number;
  readonly firstTimestamp: number;
  readonly producer: { readonly epoch: number; readonly firstSeq: number; readonly lastSeq: number } | null;
  /** A transactional producer's data batch (marker null) or its COMMIT (true) / ABORT (false) marker. */
  readonly txn?: { readonly producerId: number; readonly marker: boolean | null };
}

/** What the log promised, as the process saw it before the crash. */
export class LogModel {
  /** By base offset: the batch the log assigned those offsets to last. */
  readonly batches = new Map<number, ModelBatch>();
  endOffset = 0;
  /**
   * Everything below was promised durable: the durable end the log reported when a flush resolved
   * (what a follower acknowledges), capped by later truncations.
   */
  ackedEnd = 0;
  /** A resolved DeleteRecords or retention moved the log start at least here (lowered by a full truncation). */
  startFloor = 0;
  private readonly flushes = new Set<{ end: number }>();
  /** Where the truncation in progress cuts the log, if one is. */
  private truncatingTo: number | null = null;

  appended(batch: ModelBatch): void {
    this.batches.set(batch.baseOffset, batch);
    this.endOffset = batch.lastOffset + 1;
  }

  flushStarted(log: PartitionLog): Promise<void> {
    const pending = { end: Math.min(log.logEndOffset, this.truncatingTo ?? Number.POSITIVE_INFINITY) };
    this.flushes.add(pending);
    return log.flush().then(
      () => {
        this.flushes.delete(pending);
        if (log.durableEndOffset < pending.end)
          throw new Error(`a flush to ${pending.end} resolved with the durable end at ${log.durableEndOffset}`);
        const claimed = Math.min(log.durableEndOffset, this.truncatingTo ?? Number.POSITIVE_INFINITY);
        this.ackedEnd = Math.max(this.ackedEnd, claimed);
      },
      (err: unknown) => {
        this.flushes.delete(pending);
        throw err;
      },
    );
  }

  /** A truncation to `cut` (the log end it leaves) started: nothing at or beyond it is promised any more. */
  truncationStarted(cut: number, full: boolean): void {
    this.truncatingTo = cut;
    this.ackedEnd = Math.min(this.ackedEnd, cut);
    for (const pending of this.flushes) pending.end = Math.min(pending.end, cut);
    if (full) this.startFloor = Math.min(this.startFloor, cut);
  }

  truncated(endOffset: number): void {
    this.truncatingTo = null;
    for (const base of [...this.batches.keys()]) if (base >= endOffset) this.batches.delete(base);
    this.endOffset = endOffset;
    this.ackedEnd = Math.min(this.ackedEnd, endOffset);
    for (const pending of this.flushes) pending.end = Math.min(pending.end, endOffset);
  }

  /** The log end truncateTo(offset) leaves: the base of the batch holding `offset`, or `offset`. */
  cutFor(offset: number): number {
    for (const batch of this.batches.values())
      if (batch.baseOffset <= offset && offset <= batch.lastOffset) return batch.baseOffset;
    return offset;
  }
}

export interface CrashOutcome {
  readonly seed: number;
  readonly trace: string[];
  readonly model: LogModel;
  readonly report: CrashReport;
  /** Base offsets of the segments whose files held bytes that are not whole valid batches after the crash. */
  readonly tornSegments: number[];
  readonly config: LogConfig;
  readonly loop: VirtualLoop;
  readonly sim: SimDisk;
  readonly disk: Disk;
  /** Opened on the rebooted disk; null when open failed (`openError`). */
  readonly recovered: PartitionLog | null;
  readonly openError: unknown;
  readonly lines: Record<string, unknown>[];
  readonly workloadError: unknown;
}

/** Whether `bytes` are whole batches with good CRCs, back to back to the end. */
export function wholeBatches(bytes: Buffer): boolean {
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < BATCH_HEADER_BYTES) return false;
    const header = readBatchHeader(bytes, at);
    if (header.magic !== 2 || header.sizeBytes < BATCH_HEADER_BYTES || at + header.sizeBytes > bytes.length)
      return false;
    if (computeBatchCrc(bytes.subarray(at, at + header.sizeBytes)) !== header.crc) return false;
    at += header.sizeBytes;
  }
  return true;
}

/** Base offsets of the segment files in LOG_DIR that do not hold whole valid batches only. */
export function tornSegments(sim: SimDisk): number[] {
  return (sim.peekDir(LOG_DIR) ?? [])
    .filter((name) => name.endsWith('.log') && !wholeBatches(sim.peekFile(`${LOG_DIR}/${name}`) ?? Buffer.alloc(0)))
    .map((name) => Number(name.slice(0, 20)));
}

export async function crashAndRecover(seed: number): Promise<CrashOutcome> {
  const loop = new VirtualLoop();
  const clock = loop.clock();
  const prng = createPrng(seed * 2654435761 + 17);
  // Some seeds get a slow, erratic disk: an fsync may then finish long after later ones started.
  const syncMaxMs = prng.next() < 0.3 ? prng.nextInt(10, 60) : 5;
  const sim = new SimDisk({ seed, scheduler: loop, clock, latencyMs: { sync: [1, syncMaxMs] } });
  let disk = sim.boot();
  await loop.settle(disk.mkdir(LOG_DIR, true));
  await loop.settle(disk.fsyncDir('/data'));
  await loop.settle(disk.fsyncDir('/'));
  const config = makeLogConfig({
    segmentBytes: prng.nextInt(1200, 4000),
    indexIntervalBytes: prng.nextInt(100, 600),
    segmentMs: prng.nextInt(20, 200),
    retentionBytes: prng.next() < 0.5 ? prng.nextInt(3000, 9000) : -1,
    retentionMs: -1,
  });
  const model = new LogModel();
  const trace: string[] = [`config ${JSON.stringify(config)}`];
  const crashAtMs = prng.nextInt(0, 200);
  const state = { crashed: false, done: false, error: undefined as unknown };
  const work = runWorkload(prng, loop, disk, config, model, trace, state);
  work.then(
    () => (state.done = true),
    (err: unknown) => {
      state.done = true;
      if (!state.crashed) state.error = err;
    },
  );
  // Bounded: the workload has STEPS_MAX steps, each a few disk calls.
  for (let i = 0; i < 1_000_000 && !state.done; i++) {
    const at = loop.nextAtMs;
    if (at === undefined || at > crashAtMs) break;
    await loop.step();
  }
  state.crashed = true;
  trace.push(`crash at ${loop.nowMs} ms`);
  const report = sim.crash();
  const torn = tornSegments(sim);
  disk = sim.boot();
  const { logger, lines } = captureLogger();
  let recovered: PartitionLog | null = null;
  let openError: unknown = null;
  try {
    recovered = await loop.settle(PartitionLog.open(LOG_DIR, config, logger as Logger, { disk, clock }));
  } catch (err) {
    openError = err;
  }
  return {
    seed,
    trace,
    model,
    report,
    tornSegments: torn,
    config,
    loop,
    sim,
    disk,
    recovered,
    openError,
    lines,
    workloadError: state.error,
  };
}

async function runWorkload(
  prng: Prng,
  loop: VirtualLoop,
  disk: Disk,
  config: LogConfig,
  model: LogModel,
  trace: string[],
  state: { crashed: boolean },
): Promise<void> {
  const clock = loop.clock();
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => loop.schedule(ms, resolve));
  let log = await PartitionLog.open(LOG_DIR, config, silentLogger, { disk, clock });
  let epoch = 0;
  let producerEpoch = 0;
  let sequence = 0;
  let timestamp = 1_000_000;
  // Per transactional producer: its epoch and next sequence. A new transaction takes a new epoch
  // (the log's 'sequence' rule lets a newer epoch open one), and so does every producer after a
  // truncation cut sequences it had used.
  const txnEpochs = new Map<number, number>(TXN_PRODUCER_IDS.map((id) => [id, 0]));
  const txnSequences = new Map<number, number>(TXN_PRODUCER_IDS.map((id) => [id, 0]));
  const txnOpen = new Set<number>();
  const background: Promise<void>[] = [];
  for (let step = 0; step < STEPS_MAX && !state.crashed; step++) {
    const r = prng.next();
    if (r < 0.5) {
      const batches: Buffer[] = [];
      const infos: Omit<ModelBatch, 'baseOffset' | 'lastOffset' | 'bytes'>[] = [];
      for (let b = prng.nextInt(1, 3); b > 0; b--) {
        const count = prng.nextInt(1, 6);
        const valueBytes = prng.nextInt(0, 300);
        const kind = prng.next();
        const idempotent = kind < 0.3;
        const txnProducer =
          kind >= 0.3 && kind < 0.5 ? (TXN_PRODUCER_IDS[prng.nextInt(0, TXN_PRODUCER_IDS.length)] as number) : null;
        const records = Array.from({ length: count }, (_, k) => ({
          key: Buffer.from(`k${step}-${k}`),
          value: Buffer.alloc(valueBytes, step & 0xff),
          timestamp: timestamp + k,
        }));
        let options: Parameters<typeof buildRecordBatch>[1] = { producerId: -1, baseSequence: -1 };
        if (idempotent) options = { producerId: PRODUCER_ID, producerEpoch, baseSequence: sequence };
        if (txnProducer !== null) {
          if (!txnOpen.has(txnProducer)) {
            txnEpochs.set(txnProducer, (txnEpochs.get(txnProducer) ?? 0) + 1);
            txnSequences.set(txnProducer, 0);
            txnOpen.add(txnProducer);
          }
          const baseSequence = txnSequences.get(txnProducer) ?? 0;
          options = {
            producerId: txnProducer,
            producerEpoch: txnEpochs.get(txnProducer) ?? 0,
            baseSequence,
            transactional: true,
          };
          txnSequences.set(txnProducer, baseSequence + count);
        }
        batches.push(buildRecordBatch(records, options));
        infos.push({
          epoch,
          firstTimestamp: timestamp,
          producer: idempotent ? { epoch: producerEpoch, firstSeq: sequence, lastSeq: sequence + count - 1 } : null,
          ...(txnProducer !== null ? { txn: { producerId: txnProducer, marker: null } } : {}),
        });
        timestamp += count;
        if (idempotent) sequence += count;
      }
      const result = log.appendAsLeader(batches, epoch);
      let base = result.baseOffset;
      batches.forEach((bytes, i) => {
        const header = readBatchHeader(bytes);
        const info = infos[i] as (typeof infos)[number];
        model.appended({
          ...info,
          baseOffset: base,
          lastOffset: base + header.lastOffsetDelta,
          bytes: Buffer.from(bytes),
        });
        base += header.lastOffsetDelta + 1;
      });
      trace.push(`append ${result.baseOffset}..${result.lastOffset} epoch ${epoch}`);
    } else if (r < 0.72) {
      trace.push(`flush (end ${log.logEndOffset})`);
      const flushing = model.flushStarted(log);
      flushing.catch(() => undefined); // awaited at the end, unless the crash comes first
      background.push(flushing);
    } else if (r < 0.76) {
      trace.push(`flush and wait (end ${log.logEndOffset})`);
      await model.flushStarted(log);
    } else if (r < 0.81 && log.logEndOffset > log.logStartOffset) {
      const target = prng.nextInt(Math.max(0, log.logStartOffset - 2), log.logEndOffset);
      // At or below the log start, or inside the batch that holds it: the whole log goes.
      const cut = target <= log.logStartOffset ? target : model.cutFor(target);
      const full = cut <= log.logStartOffset;
      trace.push(`truncateTo ${target} (cut ${cut}${full ? ', full' : ''})`);
      model.truncationStarted(cut, full);
      const truncating = log.truncateTo(target);
      if (prng.next() < 0.5) {
        // A flush asked for while the truncation runs (the replica's flush loop does not wait for it).
        const flushing = model.flushStarted(log);
        flushing.catch(() => undefined);
        background.push(flushing);
      }
      await truncating;
      if (state.crashed) return;
      model.truncated(log.logEndOffset);
      if (full) model.startFloor = log.logStartOffset;
      // The truncated batches' sequences are gone: the producer continues in a new epoch.
      producerEpoch++;
      sequence = 0;
      for (const id of TXN_PRODUCER_IDS) {
        txnEpochs.set(id, (txnEpochs.get(id) ?? 0) + 1);
        txnSequences.set(id, 0);
        // What the cut left open is open (a later batch of the new epoch joins it).
        if (log.ongoingTransaction(id) !== null) txnOpen.add(id);
        else txnOpen.delete(id);
      }
    } else if (r < 0.84) {
      const target = prng.nextInt(log.logStartOffset, log.logEndOffset + 1);
      trace.push(`deleteRecordsBefore ${target}`);
      await log.deleteRecordsBefore(target);
      if (state.crashed) return;
      model.startFloor = Math.max(model.startFloor, target);
    } else if (r < 0.87) {
      trace.push(`retention (durable end ${log.durableEndOffset})`);
      const deleted = await log.applyRetention(clock.now(), log.durableEndOffset);
      if (state.crashed) return;
      model.startFloor = Math.max(model.startFloor, log.logStartOffset);
      trace.push(`retention deleted ${deleted}, log start ${log.logStartOffset}`);
    } else if (r < 0.9) {
      epoch++;
      trace.push(`assignEpochStart ${epoch}@${log.logEndOffset}`);
      await log.assignEpochStart(epoch, log.logEndOffset);
    } else if (r < 0.95) {
      // The coordinator's marker for one producer; now and then one that ends nothing (a retry).
      const producerId = TXN_PRODUCER_IDS[prng.nextInt(0, TXN_PRODUCER_IDS.length)] as number;
      const committed = prng.next() < 0.5;
      const marker = buildMarkerBatch({
        producerId,
        producerEpoch: txnEpochs.get(producerId) ?? 0,
        committed,
        coordinatorEpoch: 0,
        timestampMs: timestamp++,
      });
      const result = log.appendAsLeader([marker], epoch, { origin: 'coordinator' });
      model.appended({
        epoch,
        firstTimestamp: timestamp - 1,
        producer: null,
        txn: { producerId, marker: committed },
        baseOffset: result.baseOffset,
        lastOffset: result.lastOffset,
        bytes: Buffer.from(marker),
      });
      txnOpen.delete(producerId);
      trace.push(`${committed ? 'commit' : 'abort'} ${producerId} at ${result.baseOffset}`);
    } else if (r < 0.97) {
      trace.push('close and reopen');
      await log.close();
      if (state.crashed) return;
      model.ackedEnd = Math.max(model.ackedEnd, log.logEndOffset);
      log = await PartitionLog.open(LOG_DIR, config, silentLogger, { disk, clock });
      if (state.crashed) return;
      if (log.logEndOffset !== model.endOffset)
        throw new Error(`a clean reopen ends at ${log.logEndOffset}, not ${model.endOffset}`);
    }
    await sleep(prng.nextInt(0, 3));
  }
  await Promise.all(background);
}
