// Topic configuration: the keys Brook understands, their defaults and their validation. A topic
// stores only what was set explicitly; everything else falls back to the broker default.
import { ErrorCode, KafkaError, type NodeConfig } from '../common/index.js';

export type ConfigKind = 'long' | 'int' | 'boolean' | 'string' | 'list';

export interface ConfigDefinition {
  readonly name: string;
  readonly kind: ConfigKind;
  readonly defaultValue: (broker: NodeConfig) => string;
  readonly validate?: (value: string) => string | null;
  readonly doc: string;
}

const oneOf =
  (...allowed: string[]) =>
  (value: string): string | null =>
    allowed.includes(value) ? null : `must be one of ${allowed.join(', ')}`;

const atLeast =
  (min: number) =>
  (value: string): string | null =>
    /^-?\d+$/.test(value) && Number(value) >= min ? null : `must be an integer >= ${min}`;

export const TOPIC_CONFIGS: readonly ConfigDefinition[] = [
  {
    name: 'cleanup.policy',
    kind: 'list',
    defaultValue: () => 'delete',
    validate: oneOf('delete', 'compact', 'compact,delete', 'delete,compact'),
    doc: 'delete or compact old segments',
  },
  {
    name: 'compression.type',
    kind: 'string',
    defaultValue: () => 'producer',
    validate: oneOf('producer'),
    doc: 'batches are stored as the producer compressed them',
  },
  {
    name: 'retention.ms',
    kind: 'long',
    defaultValue: (b) => String(b.retentionMs),
    validate: atLeast(-1),
    doc: 'delete segments older than this',
  },
  {
    name: 'retention.bytes',
    kind: 'long',
    defaultValue: (b) => String(b.retentionBytes),
    validate: atLeast(-1),
    doc: 'keep at most this many bytes per partition',
  },
  {
    name: 'segment.bytes',
    kind: 'int',
    defaultValue: (b) => String(b.segmentBytes),
    validate: atLeast(1024),
    doc: 'roll segments at this size',
  },
  {
    name: 'segment.ms',
    kind: 'long',
    defaultValue: (b) => String(b.segmentMs),
    validate: atLeast(1),
    doc: 'roll segments at this age',
  },
  {
    name: 'segment.index.bytes',
    kind: 'int',
    defaultValue: () => '10485760',
    validate: atLeast(4),
    doc: 'accepted for compatibility',
  },
  {
    name: 'index.interval.bytes',
    kind: 'int',
    defaultValue: (b) => String(b.indexIntervalBytes),
    validate: atLeast(1),
    doc: 'bytes between sparse index entries',
  },
  {
    name: 'max.message.bytes',
    kind: 'int',
    defaultValue: (b) => String(b.maxMessageBytes),
    validate: atLeast(64),
    doc: 'largest record batch accepted',
  },
  {
    name: 'message.timestamp.type',
    kind: 'string',
    defaultValue: () => 'CreateTime',
    validate: oneOf('CreateTime', 'LogAppendTime'),
    doc: 'keep the producer timestamp or use the broker time',
  },
  {
    name: 'flush.messages',
    kind: 'long',
    defaultValue: (b) => String(b.flushMessages),
    validate: atLeast(1),
    doc: '1: fsync before every ack (group-committed)',
  },
  {
    name: 'flush.ms',
    kind: 'long',
    defaultValue: (b) => String(b.flushMs),
    validate: atLeast(-1),
    doc: 'fsync at least this often when flush.messages > 1',
  },
  {
    name: 'min.insync.replicas',
    kind: 'int',
    defaultValue: () => '',
    validate: atLeast(1),
    doc: 'alias of write.quorum',
  },
  {
    name: 'write.quorum',
    kind: 'int',
    defaultValue: () => '',
    validate: atLeast(1),
    doc: 'replicas that must hold a write before it is acknowledged',
  },
  {
    name: 'read.quorum',
    kind: 'int',
    defaultValue: () => '',
    validate: atLeast(1),
    doc: 'replicas that must answer before a new leader is chosen',
  },
  {
    name: 'unsafe.quorums',
    kind: 'boolean',
    defaultValue: () => 'false',
    validate: oneOf('true', 'false'),
    doc: 'allow write.quorum + read.quorum <= replication factor',
  },
  {
    name: 'unclean.leader.election.enable',
    kind: 'boolean',
    defaultValue: () => 'false',
    validate: oneOf('false'),
    doc: 'never: no unclean elections',
  },
  {
    name: 'delete.retention.ms',
    kind: 'long',
    defaultValue: () => '86400000',
    validate: atLeast(0),
    doc: 'accepted for compatibility',
  },
  {
    name: 'min.compaction.lag.ms',
    kind: 'long',
    defaultValue: () => '0',
    validate: atLeast(0),
    doc: 'accepted for compatibility',
  },
  {
    name: 'message.timestamp.difference.max.ms',
    kind: 'long',
    defaultValue: () => '9223372036854775807',
    validate: atLeast(0),
    doc: 'accepted for compatibility',
  },
];

const definitions = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

/** Validates explicit topic configs; throws INVALID_CONFIG naming the first bad key. */
export function validateTopicConfigs(configs: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(configs)) {
    const definition = definitions.get(name);
    if (!definition) throw new KafkaError(ErrorCode.INVALID_CONFIG, `unknown topic config '${name}'`);
    const problem = definition.validate?.(value);
    if (problem) throw new KafkaError(ErrorCode.INVALID_CONFIG, `topic config ${name}=${value} ${problem}`);
  }
}

export interface Quorums {
  readonly replicationFactor: number;
  readonly writeQuorum: number;
  readonly readQuorum: number;
}

/**
 * Write and read quorums of a topic (DESIGN §5): write.quorum (alias min.insync.replicas)
 * defaults to a majority, read.quorum to N - W + 1; W + R > N unless unsafe.quorums=true.
 */
export function resolveQuorums(replicationFactor: number, configs: Readonly<Record<string, string>>): Quorums {
  const n = replicationFactor;
  const explicitW = configs['write.quorum'] ?? configs['min.insync.replicas'];
  const writeQuorum = explicitW !== undefined && explicitW !== '' ? Number(explicitW) : Math.floor(n / 2) + 1;
  const explicitR = configs['read.quorum'];
  const readQuorum = explicitR !== undefined && explicitR !== '' ? Number(explicitR) : n - writeQuorum + 1;
  if (writeQuorum < 1 || writeQuorum > n) {
    throw new KafkaError(
      ErrorCode.INVALID_CONFIG,
      `write.quorum ${writeQuorum} must be in [1, replication factor ${n}]`,
    );
  }
  if (readQuorum < 1 || readQuorum > n) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `read.quorum ${readQuorum} must be in [1, replication factor ${n}]`);
  }
  if (writeQuorum + readQuorum <= n && configs['unsafe.quorums'] !== 'true') {
    throw new KafkaError(
      ErrorCode.INVALID_CONFIG,
      `write.quorum ${writeQuorum} + read.quorum ${readQuorum} must exceed replication factor ${n} (set unsafe.quorums=true to allow)`,
    );
  }
  return { replicationFactor: n, writeQuorum, readQuorum };
}

/** The effective value of a topic config: explicit, else the broker default. */
export function effectiveConfig(
  name: string,
  configs: Readonly<Record<string, string>>,
  broker: NodeConfig,
): string | undefined {
  const explicit = configs[name];
  if (explicit !== undefined) return explicit;
  return definitions.get(name)?.defaultValue(broker);
}
