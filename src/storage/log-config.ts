// Per-partition log settings, the typed object the storage layer is given: the topic configs that
// concern a log (segment.bytes -> segmentBytes). Their bounds and defaults are the settings
// registry's; nothing here parses text.
import {
  type COMPRESSION_TYPES,
  ConfigError,
  InvalidSettingValue,
  SETTINGS,
  TIMESTAMP_TYPES,
  type TopicSettings,
} from '../common/index.js';

export const TimestampType = { CreateTime: 'CreateTime', LogAppendTime: 'LogAppendTime' } as const;
export type TimestampType = (typeof TIMESTAMP_TYPES)[number];

/** cleanup.policy as the log applies it: retention, compaction, or both (Kafka's "compact,delete"). */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
const CLEANUP_POLICY_VALUES: readonly CleanupPolicy[] = ['delete', 'compact', 'compact,delete'];

/** Whether the log is compacted by the cleaner. */
export function isCompacted(config: Pick<LogConfig, 'cleanupPolicy'>): boolean {
  return config.cleanupPolicy !== 'delete';
}

/** Whether retention (retention.ms, retention.bytes) deletes old segments of the log. */
export function appliesRetention(config: Pick<LogConfig, 'cleanupPolicy'>): boolean {
  return config.cleanupPolicy !== 'compact';
}

export interface LogConfig {
  /** Roll the active segment before it would grow past this (segment.bytes). Index positions are int32. */
  readonly segmentBytes: number;
  /** Roll the active segment once its first batch is this old (segment.ms). */
  readonly segmentMs: number;
  /** Delete whole inactive segments whose newest timestamp is older than this; -1 keeps forever. */
  readonly retentionMs: number;
  /** Delete the oldest inactive segments while the log is larger than this; -1 = unlimited. */
  readonly retentionBytes: number;
  /** Bytes of batches between two sparse index entries (index.interval.bytes). */
  readonly indexIntervalBytes: number;
  /**
   * flush.messages. 1 (the default) means every append is fsynced before it is acknowledged: the
   * produce path awaits `PartitionLog.flush()`. Larger values relax that: see `flushDue()`.
   */
  readonly flushMessages: number;
  /** flush.ms. -1 = no time-based flush (with the default flushMessages 1, every ack is fsynced). */
  readonly flushMs: number;
  /** Largest batch accepted on produce (max.message.bytes). */
  readonly maxMessageBytes: number;
  readonly messageTimestampType: TimestampType;
  /** compression.type: `producer` stores batches as sent; a codec has the leader recompress the others. */
  readonly compressionType: (typeof COMPRESSION_TYPES)[number];
  /** cleanup.policy: retention deletes old segments ('delete'), the cleaner compacts ('compact'), or both. */
  readonly cleanupPolicy: CleanupPolicy;
  /** min.cleanable.dirty.ratio: clean once dirty bytes are this share of the cleanable bytes. */
  readonly minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms: a segment whose newest record is younger than this is not cleaned. */
  readonly minCompactionLagMs: number;
  /** max.compaction.lag.ms: a log whose oldest dirty record is this old is cleaned whatever its ratio. */
  readonly maxCompactionLagMs: number;
  /** delete.retention.ms: a tombstone survives this long after the cleaner first passed it. */
  readonly deleteRetentionMs: number;
}

/** The part of a topic's settings a log is given. */
export function logConfigOf(settings: TopicSettings): LogConfig {
  return {
    segmentBytes: settings.segmentBytes,
    segmentMs: settings.segmentMs,
    retentionMs: settings.retentionMs,
    retentionBytes: settings.retentionBytes,
    indexIntervalBytes: settings.indexIntervalBytes,
    flushMessages: settings.flushMessages,
    flushMs: settings.flushMs,
    maxMessageBytes: settings.maxMessageBytes,
    messageTimestampType: settings.messageTimestampType,
    compressionType: settings.compressionType,
    cleanupPolicy: cleanupPolicyOf(settings.cleanupPolicy),
    minCleanableDirtyRatio: settings.minCleanableDirtyRatio,
    minCompactionLagMs: settings.minCompactionLagMs,
    maxCompactionLagMs: settings.maxCompactionLagMs,
    deleteRetentionMs: settings.deleteRetentionMs,
  };
}

function cleanupPolicyOf(policies: readonly string[]): CleanupPolicy {
  const compact = policies.includes('compact');
  const remove = policies.includes('delete');
  return compact ? (remove ? 'compact,delete' : 'compact') : 'delete';
}

/** The registry's defaults. */
export const defaultLogConfig: LogConfig = Object.freeze({
  segmentBytes: SETTINGS.segmentBytes.default,
  segmentMs: SETTINGS.segmentMs.default,
  retentionMs: SETTINGS.retentionMs.default,
  retentionBytes: SETTINGS.retentionBytes.default,
  indexIntervalBytes: SETTINGS.indexIntervalBytes.default,
  flushMessages: SETTINGS.flushMessages.default,
  flushMs: SETTINGS.flushMs.default,
  maxMessageBytes: SETTINGS.maxMessageBytes.default,
  messageTimestampType: SETTINGS.messageTimestampType.default,
  compressionType: SETTINGS.compressionType.default,
  cleanupPolicy: 'delete',
  minCleanableDirtyRatio: SETTINGS.minCleanableDirtyRatio.default,
  minCompactionLagMs: SETTINGS.minCompactionLagMs.default,
  maxCompactionLagMs: SETTINGS.maxCompactionLagMs.default,
  deleteRetentionMs: SETTINGS.deleteRetentionMs.default,
});

const NUMERIC_FIELDS = [
  'segmentBytes',
  'segmentMs',
  'retentionMs',
  'retentionBytes',
  'indexIntervalBytes',
  'flushMessages',
  'flushMs',
  'maxMessageBytes',
  'minCleanableDirtyRatio',
  'minCompactionLagMs',
  'maxCompactionLagMs',
  'deleteRetentionMs',
] as const;

/**
 * Merges overrides onto a base config and checks every value against the registry's range (a
 * test or a tool that builds a LogConfig in code gets the same bounds as a topic config); a bad
 * value throws ConfigError.
 */
export function makeLogConfig(overrides: Partial<LogConfig> = {}, base: LogConfig = defaultLogConfig): LogConfig {
  const config: LogConfig = { ...base, ...stripUndefined(overrides) };
  const check = (name: string, run: () => void): void => {
    try {
      run();
    } catch (err) {
      if (!(err instanceof InvalidSettingValue)) throw err;
      throw new ConfigError(`log config ${name} ${err.message}`);
    }
  };
  for (const name of NUMERIC_FIELDS) {
    const value = config[name];
    check(`${name}=${String(value)}`, () => SETTINGS[name].type.check(value));
  }
  check(`messageTimestampType=${String(config.messageTimestampType)}`, () =>
    SETTINGS.messageTimestampType.type.check(config.messageTimestampType),
  );
  if (!CLEANUP_POLICY_VALUES.includes(config.cleanupPolicy)) {
    throw new ConfigError(
      `log config cleanupPolicy=${String(config.cleanupPolicy)} must be one of ${CLEANUP_POLICY_VALUES.join(', ')}`,
    );
  }
  return Object.freeze(config);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
