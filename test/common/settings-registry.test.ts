// The settings registry: its rows are consistent (names unique, defaults in range, Kafka's
// synonyms), the names and defaults users rely on stay as they were, and the three doors a value
// can enter by — a start-up flag, a topic config, a LogConfig built in code — share one set of
// bounds.
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, KafkaError } from '../../src/common/errors.js';
import {
  describeTopicConfigs,
  envOf,
  isDerived,
  type NodeConfig,
  parseConfig,
  parseTopicConfigs,
  readTopicConfigs,
  SETTING_ROWS,
  TOPIC_ROWS,
} from '../../src/common/settings/index.js';
import { makeLogConfig } from '../../src/storage/index.js';

function parse(argv: string[] = [], env: Record<string, string> = {}): NodeConfig {
  const config = parseConfig(argv, env);
  if (config === null) throw new Error('--help was not asked for');
  return config;
}

function codeOf(run: () => unknown): number | null {
  try {
    run();
    return null;
  } catch (err) {
    return err instanceof KafkaError ? err.code : -100;
  }
}

/** Kafka's topic configs and their broker synonyms (ServerTopicConfigSynonyms): Brook's and those soon to come. */
const KAFKA_SYNONYMS: Readonly<Record<string, string>> = {
  'segment.bytes': 'log.segment.bytes',
  'segment.ms': 'log.roll.ms',
  'segment.jitter.ms': 'log.roll.jitter.ms',
  'segment.index.bytes': 'log.index.size.max.bytes',
  'flush.messages': 'log.flush.interval.messages',
  'flush.ms': 'log.flush.interval.ms',
  'retention.bytes': 'log.retention.bytes',
  'retention.ms': 'log.retention.ms',
  'max.message.bytes': 'message.max.bytes',
  'index.interval.bytes': 'log.index.interval.bytes',
  'delete.retention.ms': 'log.cleaner.delete.retention.ms',
  'min.compaction.lag.ms': 'log.cleaner.min.compaction.lag.ms',
  'max.compaction.lag.ms': 'log.cleaner.max.compaction.lag.ms',
  'file.delete.delay.ms': 'log.segment.delete.delay.ms',
  'min.cleanable.dirty.ratio': 'log.cleaner.min.cleanable.ratio',
  'cleanup.policy': 'log.cleanup.policy',
  'unclean.leader.election.enable': 'unclean.leader.election.enable',
  'min.insync.replicas': 'min.insync.replicas',
  'compression.type': 'compression.type',
  preallocate: 'log.preallocate',
  'message.timestamp.type': 'log.message.timestamp.type',
  'message.timestamp.difference.max.ms': 'log.message.timestamp.difference.max.ms',
  'message.downconversion.enable': 'log.message.downconversion.enable',
  'message.format.version': 'log.message.format.version',
};

/** Brook's own topic configs, which Kafka does not have. */
const BROOK_TOPIC_CONFIGS = ['write.quorum', 'read.quorum', 'unsafe.quorums'];

describe('the registry', () => {
  it('names every setting once: keys, Kafka names, flags, variables and topic keys are unique', () => {
    const unique = (values: (string | undefined)[]) => {
      const present = values.filter((v): v is string => v !== undefined);
      expect(new Set(present).size, present.join(' ')).toBe(present.length);
    };
    unique(SETTING_ROWS.map((r) => r.key));
    unique(SETTING_ROWS.map((r) => r.broker));
    unique(SETTING_ROWS.map((r) => r.flag));
    unique(SETTING_ROWS.map((r) => (r.flag ? envOf(r.flag) : undefined)));
    unique(SETTING_ROWS.map((r) => r.topic));
    for (const row of SETTING_ROWS) expect(row.broker ?? row.topic, row.key).toBeDefined();
  });

  it("gives every row's default a value within its range", () => {
    for (const row of SETTING_ROWS) {
      if (isDerived(row.default)) {
        expect(row.flag, `${row.key}: only a start-up setting derives its default`).toBeDefined();
        continue;
      }
      expect(() => row.type.check(row.default), row.key).not.toThrow();
      if (row.default !== null) expect(row.type.parse(row.type.format(row.default)), row.key).toEqual(row.default);
    }
  });

  it("gives every topic config Kafka's broker synonym where Kafka has one", () => {
    for (const row of TOPIC_ROWS) {
      if (BROOK_TOPIC_CONFIGS.includes(row.topic)) {
        expect(row.broker, `${row.topic} is Brook's own`).toBeUndefined();
      } else {
        expect(KAFKA_SYNONYMS[row.topic], `${row.topic} is a Kafka topic config`).toBeDefined();
        expect(row.broker, row.topic).toBe(KAFKA_SYNONYMS[row.topic]);
      }
    }
  });

  it('keeps secrets sensitive, docs on one line, and broker settings read-only (none changes at run time)', () => {
    for (const row of SETTING_ROWS) {
      if (row.type.kafkaType === 'password') expect(row.sensitive, row.key).toBe(true);
      expect(row.doc.length, row.key).toBeGreaterThan(0);
      expect(row.doc, row.key).not.toContain('\n');
      expect(row.dynamic ?? false, row.key).toBe(false);
    }
  });
});

describe('what users rely on stays as it was', () => {
  // Every flag Brook had before the registry, with its default; tests, docker-compose and users' scripts use them.
  const FLAGS: Record<string, string | number | boolean | null> = {
    '--node-id': 1,
    '--cluster-nodes': null,
    '--cluster-id': 'brook-cluster',
    '--data-dir': './data',
    '--listen-host': '127.0.0.1',
    '--kafka-port': 9092,
    '--grpc-port': 9093,
    '--http-port': 9094,
    '--advertised-host': '127.0.0.1',
    '--advertised-port': 9092,
    '--log-level': 'info',
    '--auto-create-topics': true,
    '--legacy-api-versions': true,
    '--default-partitions': 1,
    '--default-replication-factor': 1,
    '--segment-bytes': 1073741824,
    '--segment-ms': 604800000,
    '--retention-ms': 604800000,
    '--retention-bytes': -1,
    '--index-interval-bytes': 4096,
    '--flush-messages': 1,
    '--flush-ms': -1,
    '--max-message-bytes': 1048588,
    '--page-cache-retain-bytes': 33554432,
    '--retention-check-interval-ms': 300000,
    '--cleanup-policy': null,
    '--min-cleanable-dirty-ratio': 0.5,
    '--min-compaction-lag-ms': 0,
    '--max-compaction-lag-ms': Number.MAX_SAFE_INTEGER,
    '--delete-retention-ms': 86400000,
    '--log-cleaner-enable': true,
    '--log-cleaner-io-max-bytes-per-second': Number.MAX_VALUE,
    '--log-cleaner-dedupe-buffer-size': 134217728,
    '--log-cleaner-backoff-ms': 15000,
    '--raft-heartbeat-ms': 50,
    '--raft-election-timeout-ms': 300,
    '--raft-snapshot-entries': 1000,
    '--broker-session-timeout-ms': 1000,
    '--offsets-topic-partitions': 50,
    '--offsets-topic-segment-bytes': 104857600,
    '--offsets-retention-ms': 604800000,
    '--group-min-session-timeout-ms': 6000,
    '--group-max-session-timeout-ms': 1800000,
    '--group-initial-rebalance-delay-ms': 3000,
    '--transaction-state-log-num-partitions': 50,
    '--transaction-partition-verification-enable': true,
    '--transaction-max-timeout-ms': 900000,
    '--transactional-id-expiration-ms': 604800000,
    '--transaction-abort-timed-out-transaction-cleanup-interval-ms': 10000,
    '--transaction-remove-expired-transaction-cleanup-interval-ms': 3600000,
    '--shutdown-timeout-ms': 10000,
    '--super-users': null,
    '--allow-everyone-if-no-acl-found': false,
    '--authorizer-all-listeners': false,
    '--quota-window-num': 11,
    '--quota-window-size-seconds': 1,
  };

  it('has every flag of before, with its BROOK_* variable and default', () => {
    const config = parse() as unknown as Record<string, unknown>;
    const flagged = SETTING_ROWS.filter((r) => r.flag !== undefined);
    // New flags may come; none of these may go.
    expect(flagged.map((r) => r.flag)).toEqual(expect.arrayContaining(Object.keys(FLAGS)));
    for (const row of flagged) {
      const expected = FLAGS[row.flag!];
      if (expected !== null && expected !== undefined) expect(config[row.key], row.flag).toBe(expected);
    }
    expect(parse().clusterNodes).toEqual([{ nodeId: 1, host: 'node1', grpcPort: 9093 }]);
    expect(envOf('--broker-session-timeout-ms')).toBe('BROOK_BROKER_SESSION_TIMEOUT_MS');
    expect(parse([], { BROOK_SEGMENT_BYTES: '2048' }).segmentBytes).toBe(2048);
  });

  it('reads super.users with Kafka’s semicolons or commas, and refuses what is not a principal', () => {
    expect(parse().superUsers).toEqual([]);
    expect(parse(['--super-users', 'User:admin;User:ops']).superUsers).toEqual(['User:admin', 'User:ops']);
    expect(parse([], { BROOK_SUPER_USERS: 'User:a, User:b' }).superUsers).toEqual(['User:a', 'User:b']);
    expect(() => parse(['--super-users', 'admin'])).toThrow(/super-users .*'admin' is not a principal/);
    expect(() => parse(['--super-users', 'User:a;User:a'])).toThrow(/twice/);
  });

  it('describes every topic config of before with its default', () => {
    const described = describeTopicConfigs({}, parse(), 1);
    expect(Object.fromEntries(described.map((e) => [e.name, e.value]))).toEqual({
      'cleanup.policy': 'delete',
      'compression.type': 'producer',
      'retention.ms': '604800000',
      'retention.bytes': '-1',
      'segment.bytes': '1073741824',
      'segment.ms': '604800000',
      'segment.index.bytes': '10485760',
      'index.interval.bytes': '4096',
      'max.message.bytes': '1048588',
      'message.timestamp.type': 'CreateTime',
      'message.format.version': '3.0-IV1',
      'flush.messages': '1',
      'flush.ms': '-1',
      'min.insync.replicas': '1',
      'write.quorum': '1',
      'read.quorum': '1',
      'unsafe.quorums': 'false',
      'unclean.leader.election.enable': 'false',
      'delete.retention.ms': '86400000',
      'min.compaction.lag.ms': '0',
      'max.compaction.lag.ms': '9223372036854775807',
      'min.cleanable.dirty.ratio': '0.5',
      'message.timestamp.difference.max.ms': '9223372036854775807',
    });
    for (const entry of described) expect(entry.source, entry.name).toBe('default');
  });
});

describe('one set of bounds at every door', () => {
  const startUp = (flag: string, value: string): boolean => {
    try {
      parse([flag, value]);
      return true;
    } catch (err) {
      if (err instanceof ConfigError) return false;
      throw err;
    }
  };
  const topic = (key: string, value: string): boolean => codeOf(() => parseTopicConfigs({ [key]: value })) === null;
  const inCode = (key: string, value: number): boolean => {
    try {
      makeLogConfig({ [key]: value });
      return true;
    } catch (err) {
      if (err instanceof ConfigError) return false;
      throw err;
    }
  };

  it.each([
    ['segmentBytes', ['1023', '1024', '2147483647', '2147483648', '3000000000']],
    ['segmentMs', ['0', '1', '9007199254740991']],
    ['retentionMs', ['-2', '-1', '0']],
    ['retentionBytes', ['-2', '-1', '1099511627776']],
    ['indexIntervalBytes', ['0', '1', '2147483647', '2147483648']],
    ['flushMessages', ['0', '1', '1000000']],
    ['flushMs', ['-2', '-1', '1000']],
    ['maxMessageBytes', ['63', '64', '104857600', '104857601']],
  ])('%s: a start-up flag, a topic config and a LogConfig accept the same values', (key, values) => {
    const row = SETTING_ROWS.find((r) => r.key === key)!;
    for (const value of values) {
      const atStartUp = startUp(row.flag!, value);
      expect(topic(row.topic!, value), `${row.topic}=${value}`).toBe(atStartUp);
      expect(inCode(key, Number(value)), `LogConfig.${key}=${value}`).toBe(atStartUp);
    }
    expect(values.some((v) => !startUp(row.flag!, v))).toBe(true);
    expect(values.some((v) => startUp(row.flag!, v))).toBe(true);
  });
});

describe('topic configs', () => {
  it('refuses segment.bytes=3000000000 with INVALID_CONFIG naming the key', () => {
    expect(() => parseTopicConfigs({ 'segment.bytes': '3000000000' })).toThrow(/segment\.bytes=3000000000/);
    expect(codeOf(() => parseTopicConfigs({ 'segment.bytes': '3000000000' }))).toBe(ErrorCode.INVALID_CONFIG);
  });

  it('refuses unknown keys, malformed values and Kafka values Brook does not implement', () => {
    const refused: Record<string, string>[] = [
      { 'no.such.config': '1' },
      { 'retention.ms': '1h' },
      { 'retention.ms': '' },
      { 'cleanup.policy': 'shred' },
      { 'cleanup.policy': '' },
      { 'cleanup.policy': 'delete,delete' },
      { 'compression.type': 'brotli' },
      { 'compression.type': 'none' },
      { 'message.format.version': '0.10.3' },
      { 'unclean.leader.election.enable': 'true' },
      { 'unsafe.quorums': 'yes' },
      { 'write.quorum': '0' },
    ];
    for (const configs of refused) {
      expect(
        codeOf(() => parseTopicConfigs(configs)),
        JSON.stringify(configs),
      ).toBe(ErrorCode.INVALID_CONFIG);
    }
  });

  it('parses once into typed values and stores canonical text', () => {
    const { overrides, canonical } = parseTopicConfigs({
      'segment.bytes': ' 2048',
      'cleanup.policy': 'compact, delete',
      'flush.messages': '9223372036854775807',
      'write.quorum': '2',
    });
    expect(overrides).toEqual({
      segmentBytes: 2048,
      cleanupPolicy: ['compact', 'delete'],
      flushMessages: Number.MAX_SAFE_INTEGER,
      writeQuorum: 2,
    });
    expect(canonical).toEqual({
      'segment.bytes': '2048',
      'cleanup.policy': 'compact,delete',
      'flush.messages': '9223372036854775807',
      'write.quorum': '2',
    });
  });

  it('reads committed configs without throwing, leaving out and reporting what is refused now', () => {
    const read = readTopicConfigs({ 'segment.bytes': '3000000000', 'retention.ms': '1000', gone: 'x' });
    expect(read.overrides).toEqual({ retentionMs: 1000 });
    expect(read.rejected).toHaveLength(2);
    expect(read.rejected.join(' ')).toMatch(/segment\.bytes=3000000000/);
  });

  it('takes its defaults from the broker and says where each value comes from', () => {
    const node = parse(['--segment-bytes', '2097152']);
    const entries = describeTopicConfigs(parseTopicConfigs({ 'retention.ms': '1000' }).overrides, node, 3);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('retention.ms')).toMatchObject({ value: '1000', source: 'topic' });
    expect(byName.get('retention.ms')?.synonyms).toEqual([
      { name: 'retention.ms', value: '1000', source: 'topic' },
      { name: 'log.retention.ms', value: '604800000', source: 'default' },
    ]);
    expect(byName.get('segment.bytes')).toMatchObject({ value: '2097152', source: 'static-broker' });
    expect(byName.get('segment.bytes')?.synonyms).toEqual([
      { name: 'log.segment.bytes', value: '2097152', source: 'static-broker' },
      { name: 'log.segment.bytes', value: '1073741824', source: 'default' },
    ]);
    expect(byName.get('min.insync.replicas')).toMatchObject({ value: '2', source: 'default' });
    expect(byName.get('read.quorum')).toMatchObject({ value: '2', source: 'default' });
  });
});
