// Topic configuration: the keys Brook understands, their defaults and their validation. A topic
// stores only what was set explicitly; everything else falls back to the broker default.
import { ErrorCode, KafkaError, type NodeConfig } from '../common/index.js';
import { Compression, type CompressionCodec } from '../storage/index.js';

/** compression.type values and the codec each stores (null: what the producer sent). */
const COMPRESSION_TYPES: Readonly<Record<string, CompressionCodec | null>> = {
  producer: null,
  uncompressed: Compression.none,
  gzip: Compression.gzip,
  snappy: Compression.snappy,
  lz4: Compression.lz4,
  zstd: Compression.zstd,
};

/** The codec a topic stores its batches in (compression.type), or null for `producer`. */
export function topicCompressionCodec(configs: Readonly<Record<string, string>>): CompressionCodec | null {
  return COMPRESSION_TYPES[configs['compression.type'] ?? 'producer'] ?? null;
}

// message.format.version (deprecated in Kafka 3.x, gone in 4): the versions Kafka 3.x accepted
// (its MetadataVersion strings), each release with its internal versions. It has no effect
// here, as in Kafka 3.x once inter-broker versions are 3.0+: batches are stored as v2 always.
const RELEASE_INTERNAL_VERSIONS: readonly (readonly [string, number])[] = [
  ['0.8.0', 0],
  ['0.8.1', 0],
  ['0.8.2', 0],
  ['0.9.0', 0],
  ['0.10.0', 2],
  ['0.10.1', 3],
  ['0.10.2', 1],
  ['0.11.0', 3],
  ['1.0', 1],
  ['1.1', 1],
  ['2.0', 2],
  ['2.1', 3],
  ['2.2', 2],
  ['2.3', 2],
  ['2.4', 2],
  ['2.5', 1],
  ['2.6', 1],
  ['2.7', 3],
  ['2.8', 2],
  ['3.0', 2],
  ['3.1', 1],
  ['3.2', 1],
  ['3.3', 4],
  ['3.4', 1],
  ['3.5', 3],
  ['3.6', 3],
  ['3.7', 5],
  ['3.8', 1],
  ['3.9', 1],
];
const MESSAGE_FORMAT_VERSIONS: ReadonlySet<string> = new Set(
  RELEASE_INTERNAL_VERSIONS.flatMap(([release, count]) => [
    release,
    ...Array.from({ length: count }, (_, i) => `${release}-IV${i}`),
  ]),
);

/** Kafka's reading of a version string: "2.8.1" is release 2.8, "0.10.2.1" release 0.10.2. */
function validMessageFormatVersion(value: string): string | null {
  const segments = value.split('.');
  const kept = value.startsWith('0.') ? 3 : 2;
  const key = segments.length > kept ? segments.slice(0, kept).join('.') : value;
  return MESSAGE_FORMAT_VERSIONS.has(key) ? null : 'is not a Kafka version such as 0.10.0, 2.8 or 3.0-IV1';
}

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
    validate: oneOf(...Object.keys(COMPRESSION_TYPES)),
    doc: 'producer: batches stored as sent; a codec: batches in another one are recompressed by the leader',
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
    name: 'message.format.version',
    kind: 'string',
    defaultValue: () => '3.0-IV1',
    validate: validMessageFormatVersion,
    doc: 'accepted as Kafka 3.x did (deprecated); batches are stored as v2 whatever it says',
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
