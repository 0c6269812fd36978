// Node settings: every one has a flag, a BROOK_* environment variable and a default. A bad value
// stops start-up with one line that names the setting (ConfigError), never a stack trace.
import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from './errors.js';
import { LOG_LEVELS } from './log.js';

export interface ClusterMember {
  readonly nodeId: number;
  readonly host: string;
  readonly grpcPort: number;
}

export interface NodeConfig {
  readonly nodeId: number;
  readonly clusterNodes: readonly ClusterMember[];
  readonly clusterId: string;
  readonly dataDir: string;
  readonly listenHost: string;
  readonly kafkaPort: number;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly advertisedHost: string;
  readonly advertisedPort: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly autoCreateTopics: boolean;
  /**
   * legacy.api.versions.enable: serve the versions Kafka 4.0 removed (KIP-896) for clients older
   * than Kafka 0.11 (Produce 0-2 with message formats v0/v1, Fetch 0-3, OffsetCommit 0-1,
   * OffsetFetch 0), as Kafka 3.x did. false: Kafka 4's strictness.
   */
  readonly legacyApiVersions: boolean;
  readonly defaultPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly segmentBytes: number;
  readonly segmentMs: number;
  readonly retentionMs: number;
  readonly retentionBytes: number;
  readonly indexIntervalBytes: number;
  readonly flushMessages: number;
  readonly flushMs: number;
  readonly maxMessageBytes: number;
  readonly pageCacheRetainBytes: number;
  readonly retentionCheckIntervalMs: number;
  readonly raftHeartbeatMs: number;
  readonly raftElectionTimeoutMs: number;
  readonly brokerSessionTimeoutMs: number;
  readonly raftSnapshotEntries: number;
  readonly offsetsTopicPartitions: number;
  readonly offsetsRetentionMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly shutdownTimeoutMs: number;
}

const DEFAULT_GRPC_PORT = 9093;

function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
      throw new InvalidArgumentError(`${name} must be an integer ${range}, got '${raw}'`);
    }
    return value;
  };
}

function port(name: string) {
  return integer(name, 0, 65535);
}

function boolean(name: string) {
  return (raw: string): boolean => {
    if (/^(true|1|yes|on)$/i.test(raw)) return true;
    if (/^(false|0|no|off)$/i.test(raw)) return false;
    throw new InvalidArgumentError(`${name} must be true or false, got '${raw}'`);
  };
}

/**
 * Parses `--cluster-nodes`: plain ids ("1,2,3" → node<id>:9093, the docker-compose service names)
 * or the explicit form "1@127.0.0.1:9093,2@127.0.0.1:9193".
 */
export function parseClusterNodes(raw: string): ClusterMember[] {
  const members: ClusterMember[] = [];
  const parts = raw.split(',').map((part) => part.trim());
  for (const part of parts) {
    const explicit = /^(\d+)@([^:@\s]+):(\d+)$/.exec(part);
    const plain = /^(\d+)$/.exec(part);
    let member: ClusterMember;
    if (explicit) {
      member = { nodeId: Number(explicit[1]), host: explicit[2]!, grpcPort: Number(explicit[3]) };
    } else if (plain) {
      member = { nodeId: Number(plain[1]), host: `node${plain[1]}`, grpcPort: DEFAULT_GRPC_PORT };
    } else {
      throw new InvalidArgumentError(`cluster-nodes entry '${part}' is neither <id> nor <id>@<host>:<port>`);
    }
    if (member.nodeId < 1 || member.nodeId > 2 ** 31 - 1) {
      throw new InvalidArgumentError(`cluster-nodes id ${member.nodeId} must be in [1, 2147483647]`);
    }
    if (member.grpcPort < 1 || member.grpcPort > 65535) {
      throw new InvalidArgumentError(`cluster-nodes port ${member.grpcPort} must be in [1, 65535]`);
    }
    if (members.some((m) => m.nodeId === member.nodeId)) {
      throw new InvalidArgumentError(`cluster-nodes lists node ${member.nodeId} twice`);
    }
    members.push(member);
  }
  return members;
}

function buildCommand(): Command {
  const opt = (flags: string, description: string, env: string) => new Option(flags, description).env(env);
  const cmd = new Command('brook')
    .description('Brook: a Kafka-compatible, Raft-replicated message broker')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) })
    .allowExcessArguments(false);
  const int = (name: string, min: number, max?: number) => integer(name, min, max);
  cmd
    .addOption(
      opt('--node-id <id>', 'this node id', 'BROOK_NODE_ID')
        .argParser(int('node-id', 1, 2 ** 31 - 1))
        .default(1),
    )
    .addOption(
      opt('--cluster-nodes <list>', "voters: '1,2,3' (host node<id>:9093) or '1@host:port,...'", 'BROOK_CLUSTER_NODES')
        .argParser(parseClusterNodes)
        .default(parseClusterNodes('1'), '1'),
    )
    .addOption(opt('--cluster-id <id>', 'cluster id reported to clients', 'BROOK_CLUSTER_ID').default('brook-cluster'))
    .addOption(opt('--data-dir <dir>', 'where logs and Raft state live', 'BROOK_DATA_DIR').default('./data'))
    .addOption(opt('--listen-host <host>', 'address the listeners bind', 'BROOK_LISTEN_HOST').default('127.0.0.1'))
    .addOption(
      opt('--kafka-port <port>', 'Kafka listener port', 'BROOK_KAFKA_PORT').argParser(port('kafka-port')).default(9092),
    )
    .addOption(
      opt('--grpc-port <port>', 'internal gRPC port', 'BROOK_GRPC_PORT')
        .argParser(port('grpc-port'))
        .default(DEFAULT_GRPC_PORT),
    )
    .addOption(
      opt('--http-port <port>', 'HTTP metrics/health port', 'BROOK_HTTP_PORT')
        .argParser(port('http-port'))
        .default(9094),
    )
    .addOption(
      opt('--advertised-host <host>', 'Kafka host given to clients (default: listen host)', 'BROOK_ADVERTISED_HOST'),
    )
    .addOption(
      opt(
        '--advertised-port <port>',
        'Kafka port given to clients (default: kafka port)',
        'BROOK_ADVERTISED_PORT',
      ).argParser(port('advertised-port')),
    )
    .addOption(
      opt('--log-level <level>', `one of ${LOG_LEVELS.join(', ')}`, 'BROOK_LOG_LEVEL')
        .choices(LOG_LEVELS)
        .default('info'),
    )
    .addOption(
      opt('--auto-create-topics <bool>', 'create unknown topics on metadata/produce', 'BROOK_AUTO_CREATE_TOPICS')
        .argParser(boolean('auto-create-topics'))
        .default(true),
    )
    .addOption(
      opt(
        '--legacy-api-versions <bool>',
        'serve the old versions Kafka 4 removed (Produce 0-2 message formats, Fetch 0-3, OffsetCommit 0-1, OffsetFetch 0)',
        'BROOK_LEGACY_API_VERSIONS',
      )
        .argParser(boolean('legacy-api-versions'))
        .default(true),
    )
    .addOption(
      opt('--default-partitions <n>', 'partitions of auto-created topics', 'BROOK_DEFAULT_PARTITIONS')
        .argParser(int('default-partitions', 1, 10_000))
        .default(1),
    )
    .addOption(
      opt(
        '--default-replication-factor <n>',
        'replication factor of auto-created topics (default: min(3, cluster size))',
        'BROOK_DEFAULT_REPLICATION_FACTOR',
      ).argParser(int('default-replication-factor', 1, 64)),
    )
    .addOption(
      opt('--segment-bytes <n>', 'roll a segment at this size', 'BROOK_SEGMENT_BYTES')
        .argParser(int('segment-bytes', 1024, 2 ** 31 - 1))
        .default(1024 ** 3),
    )
    .addOption(
      opt('--segment-ms <ms>', 'roll a segment at this age', 'BROOK_SEGMENT_MS')
        .argParser(int('segment-ms', 1))
        .default(7 * 24 * 3600 * 1000),
    )
    .addOption(
      opt('--retention-ms <ms>', 'delete segments older than this (-1: forever)', 'BROOK_RETENTION_MS')
        .argParser(int('retention-ms', -1))
        .default(7 * 24 * 3600 * 1000),
    )
    .addOption(
      opt(
        '--retention-bytes <n>',
        'keep at most this many bytes per partition (-1: unlimited)',
        'BROOK_RETENTION_BYTES',
      )
        .argParser(int('retention-bytes', -1))
        .default(-1),
    )
    .addOption(
      opt('--index-interval-bytes <n>', 'bytes between sparse index entries', 'BROOK_INDEX_INTERVAL_BYTES')
        .argParser(int('index-interval-bytes', 1))
        .default(4096),
    )
    .addOption(
      opt(
        '--flush-messages <n>',
        'fsync after this many messages (1: fsync before every ack, group-committed)',
        'BROOK_FLUSH_MESSAGES',
      )
        .argParser(int('flush-messages', 1))
        .default(1),
    )
    .addOption(
      opt('--flush-ms <ms>', 'fsync at least this often when flush-messages > 1 (-1: unset)', 'BROOK_FLUSH_MS')
        .argParser(int('flush-ms', -1))
        .default(-1),
    )
    .addOption(
      opt('--max-message-bytes <n>', 'largest record batch accepted', 'BROOK_MAX_MESSAGE_BYTES')
        .argParser(int('max-message-bytes', 64, 100 * 1024 * 1024))
        .default(1_048_588),
    )
    .addOption(
      opt(
        '--page-cache-retain-bytes <n>',
        'after each fsync, let the kernel drop cached log bytes but the newest n of each segment (-1: leave the page cache alone)',
        'BROOK_PAGE_CACHE_RETAIN_BYTES',
      )
        .argParser(int('page-cache-retain-bytes', -1))
        .default(32 * 1024 * 1024),
    )
    .addOption(
      opt('--retention-check-interval-ms <ms>', 'how often retention runs', 'BROOK_RETENTION_CHECK_INTERVAL_MS')
        .argParser(int('retention-check-interval-ms', 10))
        .default(300_000),
    )
    .addOption(
      opt('--raft-heartbeat-ms <ms>', 'Raft heartbeat interval', 'BROOK_RAFT_HEARTBEAT_MS')
        .argParser(int('raft-heartbeat-ms', 1))
        .default(100),
    )
    .addOption(
      opt(
        '--raft-election-timeout-ms <ms>',
        'Raft minimum election timeout (randomized up to 2x)',
        'BROOK_RAFT_ELECTION_TIMEOUT_MS',
      )
        .argParser(int('raft-election-timeout-ms', 2))
        .default(500),
    )
    .addOption(
      opt(
        '--raft-snapshot-entries <n>',
        'snapshot the metadata and compact the Raft log every n entries',
        'BROOK_RAFT_SNAPSHOT_ENTRIES',
      )
        .argParser(int('raft-snapshot-entries', 2))
        .default(1000),
    )
    .addOption(
      opt(
        '--broker-session-timeout-ms <ms>',
        'fence a broker silent this long (a crashed one is fenced sooner: its connection is refused)',
        'BROOK_BROKER_SESSION_TIMEOUT_MS',
      )
        .argParser(int('broker-session-timeout-ms', 10))
        .default(3000),
    )
    .addOption(
      opt('--offsets-topic-partitions <n>', 'partitions of __consumer_offsets', 'BROOK_OFFSETS_TOPIC_PARTITIONS')
        .argParser(int('offsets-topic-partitions', 1, 1000))
        .default(50),
    )
    .addOption(
      opt(
        '--offsets-retention-ms <ms>',
        'expire committed offsets of empty groups after this',
        'BROOK_OFFSETS_RETENTION_MS',
      )
        .argParser(int('offsets-retention-ms', 1))
        .default(7 * 24 * 3600 * 1000),
    )
    .addOption(
      opt(
        '--group-min-session-timeout-ms <ms>',
        'smallest session timeout a member may ask for',
        'BROOK_GROUP_MIN_SESSION_TIMEOUT_MS',
      )
        .argParser(int('group-min-session-timeout-ms', 1))
        .default(6000),
    )
    .addOption(
      opt(
        '--group-max-session-timeout-ms <ms>',
        'largest session timeout a member may ask for',
        'BROOK_GROUP_MAX_SESSION_TIMEOUT_MS',
      )
        .argParser(int('group-max-session-timeout-ms', 1))
        .default(1_800_000),
    )
    .addOption(
      opt(
        '--group-initial-rebalance-delay-ms <ms>',
        'wait for more members before the first rebalance',
        'BROOK_GROUP_INITIAL_REBALANCE_DELAY_MS',
      )
        .argParser(int('group-initial-rebalance-delay-ms', 0))
        .default(3000),
    )
    .addOption(
      opt('--shutdown-timeout-ms <ms>', 'longest graceful stop before exiting anyway', 'BROOK_SHUTDOWN_TIMEOUT_MS')
        .argParser(int('shutdown-timeout-ms', 100))
        .default(10_000),
    );
  return cmd;
}

type RawOptions = Omit<NodeConfig, 'advertisedHost' | 'advertisedPort' | 'defaultReplicationFactor'> & {
  advertisedHost?: string;
  advertisedPort?: number;
  defaultReplicationFactor?: number;
};

/**
 * Parses argv (without node and script) and the environment. Throws ConfigError with one line
 * naming the bad setting; returns null when --help was asked for (help already printed).
 */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): NodeConfig | null {
  const cmd = buildCommand();
  // commander reads process.env for Option.env(); give it the caller's environment. Copy both
  // first: `env` is often process.env itself.
  const wanted = Object.entries(env).filter(([key]) => key.startsWith('BROOK_'));
  const saved = { ...process.env };
  try {
    for (const key of Object.keys(process.env)) if (key.startsWith('BROOK_')) delete process.env[key];
    for (const [key, value] of wanted) process.env[key] = value;
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.help') return null;
    const message = (err as Error).message.replace(/^error: /, '');
    throw new ConfigError(message);
  } finally {
    for (const key of Object.keys(process.env)) if (key.startsWith('BROOK_')) delete process.env[key];
    for (const [key, value] of Object.entries(saved)) if (key.startsWith('BROOK_')) process.env[key] = value;
  }
  return validate(cmd.opts<RawOptions>());
}

function validate(raw: RawOptions): NodeConfig {
  const self = raw.clusterNodes.find((m) => m.nodeId === raw.nodeId);
  if (!self) {
    throw new ConfigError(
      `node-id ${raw.nodeId} is not one of cluster-nodes (${raw.clusterNodes.map((m) => m.nodeId).join(',')})`,
    );
  }
  if (raw.clusterId.length === 0 || raw.clusterId.length > 64) {
    throw new ConfigError('cluster-id must be 1 to 64 characters');
  }
  if (raw.raftElectionTimeoutMs <= 2 * raw.raftHeartbeatMs) {
    throw new ConfigError('raft-election-timeout-ms must be more than twice raft-heartbeat-ms');
  }
  if (raw.brokerSessionTimeoutMs <= raw.raftHeartbeatMs) {
    throw new ConfigError('broker-session-timeout-ms must be more than raft-heartbeat-ms');
  }
  if (raw.groupMinSessionTimeoutMs > raw.groupMaxSessionTimeoutMs) {
    throw new ConfigError('group-min-session-timeout-ms must not exceed group-max-session-timeout-ms');
  }
  const clusterSize = raw.clusterNodes.length;
  const defaultReplicationFactor = raw.defaultReplicationFactor ?? Math.min(3, clusterSize);
  if (defaultReplicationFactor > clusterSize) {
    throw new ConfigError(
      `default-replication-factor ${defaultReplicationFactor} exceeds the ${clusterSize} cluster nodes`,
    );
  }
  const wildcard = raw.listenHost === '0.0.0.0' || raw.listenHost === '::';
  return {
    ...raw,
    defaultReplicationFactor,
    advertisedHost: raw.advertisedHost ?? (wildcard ? hostname() : raw.listenHost),
    advertisedPort: raw.advertisedPort ?? raw.kafkaPort,
  };
}

/** Brokers heartbeat to the controller this often: a fifth of the session, at most 300 ms, so a silent broker is probed soon even with a long session. */
export function brokerHeartbeatIntervalMs(config: Pick<NodeConfig, 'brokerSessionTimeoutMs'>): number {
  return Math.max(5, Math.min(300, Math.floor(config.brokerSessionTimeoutMs / 5)));
}
