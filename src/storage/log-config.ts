// Per-partition log settings, named after Kafka's topic configs (segment.bytes -> segmentBytes).
import { ConfigError } from '../common/index.js';

export const TimestampType = { CreateTime: 'CreateTime', LogAppendTime: 'LogAppendTime' } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

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
  /** Only 'delete' is implemented; 'compact' is accepted but behaves as 'delete' for now. */
  readonly cleanupPolicy: 'delete' | 'compact';
}

export const defaultLogConfig: LogConfig = {
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  indexIntervalBytes: 4096,
  flushMessages: 1,
  flushMs: -1,
  maxMessageBytes: 1_048_588,
  messageTimestampType: TimestampType.CreateTime,
  cleanupPolicy: 'delete',
};

const INT32_MAX = 0x7fffffff;

/** Merges overrides onto a base config and checks every value; a bad value throws ConfigError. */
export function makeLogConfig(overrides: Partial<LogConfig> = {}, base: LogConfig = defaultLogConfig): LogConfig {
  const merged = { ...base, ...stripUndefined(overrides) };
  // Kafka's "never" values (Long.MAX_VALUE, e.g. flush.messages) arrive as numbers beyond 2^53.
  for (const name of ['segmentMs', 'retentionMs', 'retentionBytes', 'flushMessages', 'flushMs'] as const) {
    if (typeof merged[name] === 'number' && merged[name] > Number.MAX_SAFE_INTEGER)
      merged[name] = Number.MAX_SAFE_INTEGER;
  }
  const config: LogConfig = merged;
  const intIn = (name: keyof LogConfig, min: number, max: number): void => {
    const value = config[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigError(`log config ${name}=${String(value)} must be an integer in [${min}, ${max}]`);
    }
  };
  // A segment of at least one batch header; positions in the offset index are int32.
  intIn('segmentBytes', 61, INT32_MAX);
  intIn('segmentMs', 1, Number.MAX_SAFE_INTEGER);
  intIn('retentionMs', -1, Number.MAX_SAFE_INTEGER);
  intIn('retentionBytes', -1, Number.MAX_SAFE_INTEGER);
  intIn('indexIntervalBytes', 0, INT32_MAX);
  intIn('flushMessages', 1, Number.MAX_SAFE_INTEGER);
  intIn('flushMs', -1, Number.MAX_SAFE_INTEGER);
  intIn('maxMessageBytes', 61, INT32_MAX);
  if (config.messageTimestampType !== 'CreateTime' && config.messageTimestampType !== 'LogAppendTime') {
    throw new ConfigError(
      `log config messageTimestampType=${String(config.messageTimestampType)} must be CreateTime or LogAppendTime`,
    );
  }
  if (config.cleanupPolicy !== 'delete' && config.cleanupPolicy !== 'compact') {
    throw new ConfigError(`log config cleanupPolicy=${String(config.cleanupPolicy)} must be delete or compact`);
  }
  return Object.freeze(config);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
