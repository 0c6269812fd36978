// The node's log cleaner (Kafka's LogCleaner with one thread): in the background, one partition
// at a time, it picks the compacted log with the highest dirty ratio among those due (ratio at
// least min.cleanable.dirty.ratio, or oldest dirty record older than max.compaction.lag.ms), runs
// one pass over it (log-compaction.ts) and looks again; with none due it looks for a log whose
// kept tombstones' delete horizon has passed, else sleeps log.cleaner.backoff.ms. Its I/O is
// throttled and its key map bounded (log.cleaner.dedupe.buffer.size); a log whose pass fails is
// left alone for a while and the error counted. LogManager owns it.
import type { Clock, Logger } from '../../common/index.js';
import type { PartitionLog } from '../partition-log.js';
import { cleaningDue } from './cleanable-range.js';
import { KeyOffsetMap } from './key-offset-map.js';
import type { CleanerCounters, PassContext } from './log-compaction.js';
import { Throttle } from './throttle.js';

export interface CleanerSettings {
  /** log.cleaner.enable */
  readonly enabled: boolean;
  /** log.cleaner.io.max.bytes.per.second */
  readonly ioMaxBytesPerSecond: number;
  /** log.cleaner.dedupe.buffer.size */
  readonly dedupeBufferBytes: number;
  /** log.cleaner.backoff.ms */
  readonly backoffMs: number;
}

export interface CleanerStats extends CleanerCounters {
  /** Passes run (each over one log). */
  passes: number;
  /** Passes that failed. */
  errors: number;
  /** When the last pass ended (ms since the epoch), 0 before the first. */
  lastRunMs: number;
  /** How long the last pass took. */
  lastRunDurationMs: number;
  /** Time spent in passes, all together (bytesRead over it is the cleaner's throughput). */
  busyMs: number;
}

/** A log the cleaner may clean, named for metrics and logs. */
export interface CleanerLog {
  readonly name: string;
  readonly log: PartitionLog;
}

/** After a failed pass, the log is left alone this many backoffs. */
const FAILED_BACKOFFS = 20;

export class LogCleaner {
  readonly stats: CleanerStats = {
    bytesRead: 0,
    bytesWritten: 0,
    recordsRemoved: 0,
    swaps: 0,
    passes: 0,
    errors: 0,
    lastRunMs: 0,
    lastRunDurationMs: 0,
    busyMs: 0,
  };
  /** Dirty ratio per compacted log at the last look (the /metrics gauge). */
  readonly dirtyRatios = new Map<string, number>();
  private readonly map: KeyOffsetMap;
  private readonly throttle: Throttle;
  /** Earliest delete horizon of the tombstones each log kept at its last pass. */
  private readonly horizons = new WeakMap<PartitionLog, number>();
  private readonly failedUntilMs = new WeakMap<PartitionLog, number>();
  private running: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly logs: () => Iterable<CleanerLog>,
    private readonly settings: CleanerSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.map = new KeyOffsetMap(settings.dedupeBufferBytes);
    this.throttle = new Throttle(clock, settings.ioMaxBytesPerSecond);
  }

  /** Starts the background loop (nothing when log.cleaner.enable is false). */
  start(): void {
    if (!this.settings.enabled || this.running !== null) return;
    this.running = this.loop().catch((err: unknown) => this.logger.error({ err }, 'log cleaner stopped'));
  }

  /** Stops after the pass in progress gives up (at its next batch); resolves when it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  /** Looks for work now instead of at the end of the backoff (tests, a topic turning compacted). */
  nudge(): void {
    this.wake?.();
  }

  private async loop(): Promise<void> {
    // Bounded by stop(): each turn runs one pass or sleeps one backoff.
    while (!this.stopped) {
      const worked = await this.runOnce();
      if (!worked && !this.stopped) await this.sleep(this.settings.backoffMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const task = this.clock.schedule(ms, () => {
        this.wake = null;
        resolve();
      });
      this.wake = () => {
        task.cancel();
        this.wake = null;
        resolve();
      };
    });
  }

  /** Picks the log most in need and runs one pass over it; false when none needed one. */
  async runOnce(): Promise<boolean> {
    const nowMs = this.clock.now();
    let best: { entry: CleanerLog; ratio: number } | null = null;
    let tombstones: CleanerLog | null = null;
    const seen = new Set<string>();
    for (const entry of this.logs()) {
      const range = entry.log.cleanableRange(nowMs);
      if (range === null) continue;
      seen.add(entry.name);
      this.dirtyRatios.set(entry.name, range.dirtyRatio);
      if ((this.failedUntilMs.get(entry.log) ?? 0) > nowMs) continue;
      if (cleaningDue(range, entry.log.logConfig.minCleanableDirtyRatio)) {
        if (best === null || range.dirtyRatio > best.ratio) best = { entry, ratio: range.dirtyRatio };
      } else if (tombstones === null && (this.horizons.get(entry.log) ?? Infinity) <= nowMs) {
        tombstones = entry;
      }
    }
    for (const name of [...this.dirtyRatios.keys()]) if (!seen.has(name)) this.dirtyRatios.delete(name);
    const target = best?.entry ?? tombstones;
    if (target === null) return false;
    return this.pass(target, best === null);
  }

  /** One pass over `target`; whether it moved anything (a pass without progress waits a backoff). */
  private async pass(target: CleanerLog, tombstonesOnly: boolean): Promise<boolean> {
    const startMs = this.clock.now();
    const context: PassContext = {
      map: this.map,
      counters: this.stats,
      throttle: (bytes) => this.throttle.acquire(bytes),
      stopping: () => this.stopped,
    };
    const before = target.log.cleanedUpToOffset;
    try {
      const result = await target.log.clean(context, tombstonesOnly);
      if (result === null) return false;
      this.stats.passes++;
      if (result?.nextDeleteHorizonMs !== null && result?.nextDeleteHorizonMs !== undefined)
        this.horizons.set(target.log, result.nextDeleteHorizonMs);
      else this.horizons.delete(target.log);
      const range = target.log.cleanableRange(this.clock.now());
      if (range !== null) this.dirtyRatios.set(target.name, range.dirtyRatio);
      return result.cleanedUpToOffset > before || result.groupsSwapped > 0;
    } catch (err) {
      this.stats.errors++;
      this.failedUntilMs.set(target.log, this.clock.now() + FAILED_BACKOFFS * Math.max(this.settings.backoffMs, 1000));
      this.logger.error({ log: target.name, err }, 'log cleaning failed; the log is left alone for a while');
      return false;
    } finally {
      this.stats.lastRunMs = this.clock.now();
      this.stats.lastRunDurationMs = this.stats.lastRunMs - startMs;
      this.stats.busyMs += this.stats.lastRunDurationMs;
    }
  }
}
