// All partition logs of a node, under `<dataDir>/topics/<topic>-<partition>/`. Deleting a partition
// renames its directory to `<name>.<random>.deleted` (atomic, so a crash never leaves half a log
// under the live name) and removes it in the background; leftovers are removed on the next open.
//
// Timer-free: the owner calls `retentionTick(now)` and `flushTick(now)` from its own clock.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { assert } from '../common/assert.js';
import { ErrorCode, KafkaError } from '../common/errors.js';
import { limits } from '../common/limits.js';
import type { Logger } from '../common/log.js';
import { fsyncDir } from './file-io.js';
import { type LogConfig, makeLogConfig } from './log-config.js';
import { PartitionLog, type PartitionLogOptions } from './partition-log.js';

const DELETED_SUFFIX = '.deleted';
const TOPICS_DIR = 'topics';

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

export class LogManager {
  private readonly logs = new Map<string, { id: PartitionId; log: PartitionLog }>();
  private readonly opening = new Map<string, Promise<PartitionLog>>();
  private readonly background = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    readonly dataDir: string,
    private readonly topicsDir: string,
    private defaults: LogConfig,
    private readonly logger: Logger,
    private readonly options: PartitionLogOptions,
  ) {}

  /**
   * Opens (recovers) every partition directory found, with `defaults` until the owner supplies a
   * topic's own config (getOrCreate / updateConfig).
   */
  static async open(
    dataDir: string,
    logger: Logger,
    defaults: Partial<LogConfig> = {},
    options: PartitionLogOptions = {},
  ): Promise<LogManager> {
    const topicsDir = path.join(dataDir, TOPICS_DIR);
    await fs.promises.mkdir(topicsDir, { recursive: true });
    const manager = new LogManager(dataDir, topicsDir, makeLogConfig(defaults), logger, options);
    const found: PartitionId[] = [];
    for (const entry of await fs.promises.readdir(topicsDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
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
          const log = await PartitionLog.open(manager.dirOf(id.topic, id.partition), manager.defaults, logger, options);
          manager.logs.set(key(id.topic, id.partition), { id, log });
        }),
      );
    }
    logger.info({ dataDir, partitions: manager.logs.size }, 'log manager opened');
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

  /** The partition's log, created empty if absent; `config` (defaults if omitted) is applied either way. */
  async getOrCreate(topic: string, partition: number, config?: Partial<LogConfig>): Promise<PartitionLog> {
    if (this.closed) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'log manager is closed');
    assert(Number.isSafeInteger(partition) && partition >= 0, `bad partition ${partition}`);
    assert(topic.length > 0 && !topic.includes('/') && !topic.includes('\\') && topic !== '.' && topic !== '..', `bad topic name ${topic}`);
    const effective = makeLogConfig(config ?? {}, this.defaults);
    const k = key(topic, partition);
    const existing = this.logs.get(k);
    if (existing) {
      existing.log.updateConfig(effective);
      return existing.log;
    }
    const pending = this.opening.get(k);
    if (pending) return pending;
    const open = (async () => {
      const log = await PartitionLog.open(this.dirOf(topic, partition), effective, this.logger, this.options);
      await fsyncDir(this.topicsDir); // the new directory's entry
      this.logs.set(k, { id: { topic, partition }, log });
      return log;
    })().finally(() => this.opening.delete(k));
    this.opening.set(k, open);
    return open;
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
    const doomed = `${dir}.${randomBytes(6).toString('hex')}${DELETED_SUFFIX}`;
    try {
      await fs.promises.rename(dir, doomed);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    await fsyncDir(this.topicsDir);
    this.removeInBackground(doomed);
  }

  private removeInBackground(dir: string): void {
    const removal = fs.promises
      .rm(dir, { recursive: true, force: true })
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
      if (log.flushDue(nowMs)) log.flush().catch((err: unknown) => this.logger.error({ dir: log.dir, err }, 'flush failed'));
    }
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.opening.values()]);
    const results = await Promise.allSettled([...this.logs.values()].map(({ log }) => log.close()));
    for (const result of results) {
      if (result.status === 'rejected') this.logger.error({ err: result.reason }, 'closing a partition log failed');
    }
    this.logs.clear();
    await Promise.allSettled([...this.background]);
  }
}
