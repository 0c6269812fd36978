// All partition logs of a node, under `<dataDir>/topics/<topic>-<partition>/`. Deleting a partition
// renames its directory to `<name>.<random>.deleted` (atomic, so a crash never leaves half a log
// under the live name) and removes it in the background; leftovers are removed on the next open.
//
// Each directory also records the id of the topic incarnation it belongs to (partition-metadata.ts):
// `getOrCreate` with a topic id replaces a log left by a deleted topic of the same name, and adopts
// a log written before the file existed.
//
// Retention and flushes are timer-free: the owner calls `retentionTick(now)` and `flushTick(now)`
// from its own clock. The log cleaner (cleaner/log-cleaner.ts), one per node, runs in the
// background on the manager's clock from open to closeAll when the options ask for it.
import path from 'node:path';
import { assert, type Clock, ErrorCode, KafkaError, limits, type Logger, systemClock } from '../common/index.js';
import { type Disk, errorCode } from './disk.js';
import { type LogConfig, makeLogConfig } from './log-config.js';
import { nodeDisk } from './node-disk.js';
import { readPartitionMetadata, writePartitionMetadata } from './partition-metadata.js';
import { PartitionLog, type PartitionLogOptions } from './partition-log.js';
import { type CleanerSettings, LogCleaner } from './cleaner/log-cleaner.js';

export interface LogManagerOptions extends PartitionLogOptions {
  /** The log cleaner's settings; absent: no cleaner (compacted logs are then not compacted). */
  readonly cleaner?: CleanerSettings;
}

const DELETED_SUFFIX = '.deleted';
const TOPICS_DIR = 'topics';
/** getOrCreate waits at most this many times for another open of the same partition to finish. */
const OPEN_WAITS_MAX = 8;
/** Names tried for a deleted partition's directory before giving up (a name is taken only after a crash). */
const DELETED_NAME_TRIES_MAX = 8;

export interface PartitionId {
  readonly topic: string;
  readonly partition: number;
}

/** `<topic>-<partition>`; topic names may contain '-', so the partition is after the last one. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export function parsePartitionDirName(name: string): PartitionId | null {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return null;
  const digits = name.slice(dash + 1);
  if (!/^\d+$/.test(digits)) return null;
  return { topic: name.slice(0, dash), partition: Number(digits) };
}

function key(topic: string, partition: number): string {
  return partitionDirName(topic, partition);
}

interface LogEntry {
  readonly id: PartitionId;
  readonly log: PartitionLog;
  /** The topic incarnation the directory records; null when it records none (older Brook, damaged file). */
  topicId: string | null;
}

export class LogManager {
  private readonly logs = new Map<string, LogEntry>();
  private readonly opening = new Map<string, Promise<PartitionLog>>();
  private readonly background = new Set<Promise<void>>();
  private closed = false;
  /** Makes deleted directories' names unique within this process; the clock across restarts. */
  private deletions = 0;
  private readonly disk: Disk;
  private readonly clock: Clock;
  /** The node's log cleaner, or null when the options give none. */
  readonly cleaner: LogCleaner | null;

  private constructor(
    readonly dataDir: string,
    private readonly topicsDir: string,
    private defaults: LogConfig,
    private readonly logger: Logger,
    private readonly options: LogManagerOptions,
  ) {
    this.disk = options.disk ?? nodeDisk;
    this.clock = options.clock ?? systemClock;
    this.cleaner =
      options.cleaner === undefined
        ? null
        : new LogCleaner(
            () =>
              [...this.logs.values()].map(({ id, log }) => ({ name: partitionDirName(id.topic, id.partition), log })),
            options.cleaner,
            this.clock,
            logger.child({ module: 'cleaner' }),
          );
  }

  /**
   * Opens (recovers) every partition directory found, with `defaults` until the owner supplies a
   * topic's own config (getOrCreate / updateConfig).
   */
  static async open(
    dataDir: string,
    logger: Logger,
    defaults: Partial<LogConfig> = {},
    options: LogManagerOptions = {},
  ): Promise<LogManager> {
    const topicsDir = path.join(dataDir, TOPICS_DIR);
    const manager = new LogManager(dataDir, topicsDir, makeLogConfig(defaults), logger, options);
    const disk = manager.disk;
    if ((await disk.stat(topicsDir)) === null) await disk.mkdir(topicsDir, true);
    // Made durable even when found: a process that crashed may have created them (the topics
    // directory, partition directories) and died before its directory fsync. PartitionLog.open
    // does the same for the files in each partition's directory.
    await disk.fsyncDir(dataDir);
    await disk.fsyncDir(topicsDir);
    if ((options.pageCacheRetainBytes ?? -1) >= 0) {
      // unavailable() answers null when the advice works, so `??` must not stand in for the check.
      const noPageCacheControl =
        disk.pageCache === undefined ? 'the disk has no page cache to advise' : disk.pageCache.unavailable();
      if (noPageCacheControl !== null) logger.warn({ reason: noPageCacheControl }, 'log bytes stay in the page cache');
    }
    const found: PartitionId[] = [];
    const entries = (await disk.readdir(topicsDir)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.kind !== 'directory') continue;
      if (entry.name.endsWith(DELETED_SUFFIX)) {
        manager.removeInBackground(path.join(topicsDir, entry.name));
        continue;
      }
      const id = parsePartitionDirName(entry.name);
      if (id === null) {
        logger.warn({ dir: entry.name }, 'ignoring a directory that is not a partition log');
        continue;
      }
      found.push(id);
    }
    // Recover a few logs at a time: each scan reads its tail and holds a few fds.
    for (let i = 0; i < found.length; i += limits.logOpenConcurrencyMax) {
      await Promise.all(
        found.slice(i, i + limits.logOpenConcurrencyMax).map(async (id) => {
          const dir = manager.dirOf(id.topic, id.partition);
          const topicId = await manager.recordedTopicId(dir);
          const log = await PartitionLog.open(dir, manager.defaults, logger, options);
          manager.logs.set(key(id.topic, id.partition), { id, log, topicId });
        }),
      );
    }
    logger.info({ dataDir, partitions: manager.logs.size }, 'log manager opened');
    manager.cleaner?.start();
    return manager;
  }

  get defaultConfig(): LogConfig {
    return this.defaults;
  }

  dirOf(topic: string, partition: number): string {
    return path.join(this.topicsDir, partitionDirName(topic, partition));
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(key(topic, partition))?.log;
  }

  list(): PartitionId[] {
    return [...this.logs.values()].map((entry) => entry.id);
  }

  /**
   * The topic id the partition's directory records: undefined when there is no such log, null when
   * the directory records none (written by an older Brook, or its file was damaged).
   */
  topicIdOf(topic: string, partition: number): string | null | undefined {
    return this.logs.get(key(topic, partition))?.topicId;
  }

  /**
   * The partition's log, created empty if absent; `config` (defaults if omitted) is applied either way.
   * With `topicId`, the log must belong to that incarnation of the topic: a log recording another id
   * (the topic was deleted and recreated while this node was away) is deleted and replaced by an
   * empty one; a log recording none is adopted and the id recorded. Without it, ids are not checked.
   */
  async getOrCreate(
    topic: string,
    partition: number,
    config?: Partial<LogConfig>,
    topicId?: string,
  ): Promise<PartitionLog> {
    if (this.closed) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'log manager is closed');
    assert(Number.isSafeInteger(partition) && partition >= 0, `bad partition ${partition}`);
    assert(
      topic.length > 0 && !topic.includes('/') && !topic.includes('\\') && topic !== '.' && topic !== '..',
      `bad topic name ${topic}`,
    );
    const effective = makeLogConfig(config ?? {}, this.defaults);
    const k = key(topic, partition);
    for (let waits = 0; ; waits++) {
      const existing = this.logs.get(k);
      if (existing && (topicId === undefined || existing.topicId === topicId)) {
        existing.log.updateConfig(effective);
        return existing.log;
      }
      const pending = this.opening.get(k);
      if (!pending) break;
      // Another open (or replacement) of this partition is under way: let it finish, then look again.
      if (waits >= OPEN_WAITS_MAX)
        throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `partition ${k} is still being opened`);
      await pending.catch(() => undefined);
    }
    const open = this.openWithTopicId(topic, partition, effective, topicId).finally(() => this.opening.delete(k));
    this.opening.set(k, open);
    return open;
  }

  private async openWithTopicId(
    topic: string,
    partition: number,
    config: LogConfig,
    topicId: string | undefined,
  ): Promise<PartitionLog> {
    const k = key(topic, partition);
    const dir = this.dirOf(topic, partition);
    const existing = this.logs.get(k);
    if (existing) {
      assert(topicId !== undefined && existing.topicId !== topicId, `partition ${k} needs no replacement`);
      if (existing.topicId === null) {
        // Written before directories recorded their topic (or the file was damaged): keep the data.
        await writePartitionMetadata(this.disk, dir, topicId);
        existing.topicId = topicId;
        existing.log.updateConfig(config);
        this.logger.info({ topic, partition, topicId }, 'recorded the topic id of a partition log that had none');
        return existing.log;
      }
      this.logger.warn(
        { topic, partition, recordedTopicId: existing.topicId, topicId },
        'partition log belongs to a deleted topic of the same name; replacing it with an empty log',
      );
      await this.deletePartition(topic, partition);
    }
    if (topicId !== undefined) {
      // The id goes in before any segment, so a directory without it is only ever an older Brook's.
      // Not recursive: a directory here that this manager does not know of must not be adopted.
      await this.disk.mkdir(dir, false);
      await writePartitionMetadata(this.disk, dir, topicId);
    }
    const log = await PartitionLog.open(dir, config, this.logger, this.options);
    await this.disk.fsyncDir(this.topicsDir); // the new directory's entry
    this.logs.set(k, { id: { topic, partition }, log, topicId: topicId ?? null });
    return log;
  }

  /** The directory's recorded topic id; a damaged file counts as none (logged), never a failed start. */
  private async recordedTopicId(dir: string): Promise<string | null> {
    const read = await readPartitionMetadata(this.disk, dir);
    switch (read.kind) {
      case 'ok':
        return read.topicId;
      case 'absent':
        return null;
      case 'damaged':
        this.logger.warn(
          { dir, reason: read.reason },
          'partition metadata file damaged; treating the log as recording no topic id',
        );
        return null;
    }
  }

  updateConfig(topic: string, partition: number, config: Partial<LogConfig>): void {
    this.get(topic, partition)?.updateConfig(makeLogConfig(config, this.defaults));
  }

  /** Closes the log, renames its directory out of the way durably, and removes it in the background. */
  async deletePartition(topic: string, partition: number): Promise<void> {
    const k = key(topic, partition);
    const entry = this.logs.get(k);
    this.logs.delete(k);
    if (entry) await entry.log.close();
    const dir = this.dirOf(topic, partition);
    // Named from the clock and a counter, not at random, so a seeded simulation replays it.
    for (let tries = 1; ; tries++) {
      const doomed = `${dir}.${this.clock.now().toString(36)}-${++this.deletions}${DELETED_SUFFIX}`;
      try {
        await this.disk.rename(dir, doomed);
      } catch (err) {
        const code = errorCode(err);
        if (code === 'ENOENT') return;
        // A leftover of an earlier run has the name (removal is in the background): try another.
        if ((code === 'EEXIST' || code === 'ENOTEMPTY') && tries < DELETED_NAME_TRIES_MAX) continue;
        throw err;
      }
      await this.disk.fsyncDir(this.topicsDir);
      this.removeInBackground(doomed);
      return;
    }
  }

  private removeInBackground(dir: string): void {
    const removal = this.disk
      .removeTree(dir)
      .catch((err: unknown) => this.logger.warn({ dir, err }, 'failed to remove a deleted partition directory'))
      .finally(() => this.background.delete(removal));
    this.background.add(removal);
  }

  /** Applies retention to every log; the owner calls it periodically. Returns segments deleted. */
  async retentionTick(nowMs: number): Promise<number> {
    let deleted = 0;
    for (const { log } of [...this.logs.values()]) {
      try {
        deleted += await log.applyRetention(nowMs);
      } catch (err) {
        this.logger.error({ dir: log.dir, err }, 'retention failed');
      }
    }
    return deleted;
  }

  /** Starts a flush on every log whose relaxed flush policy is due (flush.messages / flush.ms). */
  flushTick(nowMs: number): void {
    for (const { log } of this.logs.values()) {
      if (log.flushDue(nowMs))
        log.flush().catch((err: unknown) => this.logger.error({ dir: log.dir, err }, 'flush failed'));
    }
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    await this.cleaner?.stop();
    await Promise.allSettled([...this.opening.values()]);
    const results = await Promise.allSettled([...this.logs.values()].map(({ log }) => log.close()));
    for (const result of results) {
      if (result.status === 'rejected') this.logger.error({ err: result.reason }, 'closing a partition log failed');
    }
    this.logs.clear();
    await Promise.allSettled([...this.background]);
  }
}
