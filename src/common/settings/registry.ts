// Every setting Brook has, one row each: its Kafka name, start-up flag (and so its BROOK_*
// variable), topic key, type and range, unit, default, whether it can change at run time, and its
// doc line. The start-up flags and --help, the node's typed config, topic config validation,
// DescribeConfigs and the README's table are all derived from this table; add a row here and
// every one of them knows the setting. Rows keep the order --help lists them in.
//
// Names: the broker setting takes Kafka's name where Kafka has the setting (log.segment.bytes),
// and its topic key is Kafka's topic config (segment.bytes), whose broker synonym it is. Brook's
// own settings take names in Kafka's style (grpc.port). A row's key is the field of the typed
// config that holds its value (NodeConfig.segmentBytes, LogConfig.segmentBytes).
import { LOG_FORMATS, LOG_LEVELS } from '../log.js';
import { limits } from '../limits.js';
import { bootstrapUsers } from './bootstrap-users.js';
import { clusterNodes, DEFAULT_GRPC_PORT } from './cluster-nodes.js';
import { DEFAULT_PROTOCOL_MAP, listenerList, protocolMap } from './listeners.js';
import { principals } from './principals.js';
import { kafkaVersion } from './kafka-version.js';
import { setting, type Setting } from './setting.js';
import { boolean, double, int, listOf, long, oneOf, optional, password, strictBoolean, text } from './value-types.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const MIB = 1024 * 1024;
const port = () => int(0, 65535);

export const CLEANUP_POLICIES = ['delete', 'compact'] as const;
export const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;
/** Kafka's ssl.client.auth. */
export const TLS_CLIENT_AUTH = ['none', 'requested', 'required'] as const;
/** The SASL mechanisms Brook implements (sasl.enabled.mechanisms). */
export const SASL_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'] as const;
const file = () => optional(text(1, 4096, 'file'));
/** compression.type: `producer` keeps what was sent; a codec is what the leader stores. */
export const COMPRESSION_TYPES = ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export const SETTINGS = {
  // ---------------------------------------------------------------- the node and its cluster
  nodeId: setting({
    broker: 'broker.id',
    flag: '--node-id',
    placeholder: 'id',
    type: int(1),
    default: 1,
    doc: 'this node id',
    main: true,
  }),
  clusterNodes: setting({
    broker: 'controller.quorum.voters',
    flag: '--cluster-nodes',
    type: clusterNodes(),
    default: [{ nodeId: 1, host: 'node1', grpcPort: DEFAULT_GRPC_PORT }],
    doc: "Raft voters: '1,2,3' (host node<id>:9093) or '1@host:port,...'; a node not named is a broker",
    main: true,
  }),
  clusterId: setting({
    broker: 'cluster.id',
    flag: '--cluster-id',
    placeholder: 'id',
    type: text(1, 64, 'id'),
    default: 'brook-cluster',
    doc: 'cluster id reported to clients',
  }),
  rack: setting({
    broker: 'broker.rack',
    flag: '--rack',
    placeholder: 'rack',
    type: optional(text(1, 255, 'rack')),
    default: null,
    doc: "this node's rack (or zone): replicas of a partition go to distinct racks where there are enough",
    main: true,
  }),
  replicaPlacementPolicy: setting({
    broker: 'replica.placement.policy',
    flag: '--replica-placement-policy',
    type: oneOf(['rack-aware', 'copyset'] as const),
    default: 'rack-aware',
    doc: "new partitions' replicas: 'rack-aware' (each leader's next brokers in rack order) or 'copyset' (a small family of replica sets)",
  }),
  replicaPlacementScatterWidth: setting({
    broker: 'replica.placement.scatter.width',
    flag: '--replica-placement-scatter-width',
    type: int(1, 1000),
    default: 2,
    doc: "with the copyset policy: how many other brokers share each broker's replicas (more: faster rebuilds, more replica sets)",
  }),
  dataDir: setting({
    broker: 'log.dir',
    flag: '--data-dir',
    placeholder: 'dir',
    type: text(1, 4096, 'dir'),
    default: './data',
    doc: 'where logs and Raft state live',
    main: true,
  }),
  listenHost: setting({
    broker: 'host.name',
    flag: '--listen-host',
    placeholder: 'host',
    type: text(1, 253, 'host'),
    default: '127.0.0.1',
    doc: 'address the listeners bind',
    main: true,
  }),
  kafkaPort: setting({
    broker: 'port',
    flag: '--kafka-port',
    placeholder: 'port',
    type: port(),
    default: 9092,
    doc: 'Kafka listener port',
    main: true,
  }),
  grpcPort: setting({
    broker: 'grpc.port',
    flag: '--grpc-port',
    placeholder: 'port',
    type: port(),
    default: DEFAULT_GRPC_PORT,
    doc: 'internal gRPC port (Raft, replication, forwarded admin requests)',
    main: true,
  }),
  httpPort: setting({
    broker: 'http.port',
    flag: '--http-port',
    placeholder: 'port',
    type: port(),
    default: 9094,
    doc: 'HTTP port: /healthz, /readyz, /metrics',
    main: true,
  }),
  advertisedHost: setting({
    broker: 'advertised.host.name',
    flag: '--advertised-host',
    placeholder: 'host',
    type: text(1, 253, 'host'),
    default: { derived: "the listen host (this machine's name when that is 0.0.0.0 or ::)" },
    doc: 'Kafka host given to clients',
    main: true,
  }),
  advertisedPort: setting({
    broker: 'advertised.port',
    flag: '--advertised-port',
    placeholder: 'port',
    type: port(),
    default: { derived: 'the Kafka port' },
    doc: 'Kafka port given to clients',
    main: true,
  }),
  linePort: setting({
    broker: 'line.port',
    flag: '--line-port',
    placeholder: 'port',
    type: optional(port()),
    default: null,
    doc: 'port of the line protocol (PRODUCE/CONSUME lines, as nc sends them); off when unset',
  }),
  listeners: setting({
    broker: 'listeners',
    flag: '--listeners',
    type: listenerList(),
    default: { derived: 'PLAINTEXT://<listen-host>:<kafka-port>' },
    doc: 'Kafka listeners, NAME://host:port,... (NAME: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL or a mapped name)',
    main: true,
  }),
  advertisedListeners: setting({
    broker: 'advertised.listeners',
    flag: '--advertised-listeners',
    type: listenerList(),
    default: { derived: "each listener's own address (this machine's name for a wildcard host)" },
    doc: 'addresses given to clients, per listener name; a client is told those of the listener it came in on',
    main: true,
  }),
  listenerSecurityProtocolMap: setting({
    broker: 'listener.security.protocol.map',
    flag: '--listener-security-protocol-map',
    type: protocolMap(),
    default: DEFAULT_PROTOCOL_MAP,
    doc: 'security protocol of each listener name, NAME:PROTOCOL,... (a protocol name maps to itself)',
  }),
  logLevel: setting({
    broker: 'logger.level',
    flag: '--log-level',
    placeholder: 'level',
    type: oneOf(LOG_LEVELS),
    default: 'info',
    doc: 'pino log level',
    main: true,
  }),
  logFormat: setting({
    broker: 'logger.format',
    flag: '--log-format',
    placeholder: 'format',
    type: oneOf(LOG_FORMATS),
    default: 'auto',
    doc: 'log lines as json, pretty (for people), or auto: pretty when stdout is a terminal, else json',
    main: true,
  }),
  legacyApiVersions: setting({
    broker: 'legacy.api.versions.enable',
    flag: '--legacy-api-versions',
    type: boolean(),
    default: true,
    doc: 'serve what Kafka 4 removed (KIP-896) for pre-0.11 clients: Produce 0-2, Fetch 0-3, OffsetCommit 0-1, OffsetFetch 0',
  }),
  maxIncrementalFetchSessionCacheSlots: setting({
    broker: 'max.incremental.fetch.session.cache.slots',
    flag: '--max-incremental-fetch-session-cache-slots',
    type: int(0, 1_000_000),
    default: 1000,
    doc: 'fetch sessions (KIP-227) a node keeps; 0 declines them, so every fetch is a full one',
  }),

  // ---------------------------------------------------------------- topics
  autoCreateTopics: setting({
    broker: 'auto.create.topics.enable',
    flag: '--auto-create-topics',
    type: boolean(),
    default: true,
    doc: 'create unknown topics on metadata/produce',
    main: true,
  }),
  defaultPartitions: setting({
    broker: 'num.partitions',
    flag: '--default-partitions',
    type: int(1, limits.partitionsPerTopicMax),
    default: 1,
    doc: 'partitions of auto-created topics',
  }),
  defaultReplicationFactor: setting({
    broker: 'default.replication.factor',
    flag: '--default-replication-factor',
    type: int(1, 64),
    default: { derived: 'min(3, cluster size)' },
    doc: 'replication factor of auto-created topics',
  }),

  // ---------------------------------------------------------------- logs (per topic too)
  segmentBytes: setting({
    broker: 'log.segment.bytes',
    flag: '--segment-bytes',
    topic: 'segment.bytes',
    type: int(1024),
    unit: 'bytes',
    default: 1024 * MIB,
    doc: 'roll a segment at this size',
    main: true,
  }),
  segmentMs: setting({
    broker: 'log.roll.ms',
    flag: '--segment-ms',
    topic: 'segment.ms',
    type: long(1),
    unit: 'ms',
    default: 7 * DAY_MS,
    doc: 'roll a segment at this age',
    main: true,
  }),
  retentionMs: setting({
    broker: 'log.retention.ms',
    flag: '--retention-ms',
    topic: 'retention.ms',
    type: long(-1),
    unit: 'ms',
    default: 7 * DAY_MS,
    doc: 'delete segments older than this (-1: forever)',
    main: true,
  }),
  retentionBytes: setting({
    broker: 'log.retention.bytes',
    flag: '--retention-bytes',
    topic: 'retention.bytes',
    type: long(-1),
    unit: 'bytes',
    default: -1,
    doc: 'keep at most this many bytes per partition (-1: unlimited)',
    main: true,
  }),
  indexIntervalBytes: setting({
    broker: 'log.index.interval.bytes',
    flag: '--index-interval-bytes',
    topic: 'index.interval.bytes',
    type: int(1),
    unit: 'bytes',
    default: 4096,
    doc: 'bytes between sparse index entries',
  }),
  flushMessages: setting({
    broker: 'log.flush.interval.messages',
    flag: '--flush-messages',
    topic: 'flush.messages',
    type: long(1),
    unit: 'messages',
    default: 1,
    doc: 'fsync after this many messages (1: fsync before every ack, group-committed)',
    main: true,
  }),
  flushMs: setting({
    broker: 'log.flush.interval.ms',
    flag: '--flush-ms',
    topic: 'flush.ms',
    type: long(-1),
    unit: 'ms',
    default: -1,
    doc: 'fsync at least this often when flush-messages > 1 (-1: unset)',
  }),
  maxMessageBytes: setting({
    broker: 'message.max.bytes',
    flag: '--max-message-bytes',
    topic: 'max.message.bytes',
    // A batch never exceeds the request that carries it.
    type: int(64, limits.requestSizeBytesMax),
    unit: 'bytes',
    default: 1_048_588,
    doc: 'largest record batch accepted',
  }),
  pageCacheRetainBytes: setting({
    broker: 'log.page.cache.retain.bytes',
    flag: '--page-cache-retain-bytes',
    type: long(-1),
    unit: 'bytes',
    default: 32 * MIB,
    doc:
      'after each fsync, let the kernel drop cached log bytes but the newest n of each segment ' +
      '(-1: leave the page cache alone)',
    main: true,
  }),
  retentionCheckIntervalMs: setting({
    broker: 'log.retention.check.interval.ms',
    flag: '--retention-check-interval-ms',
    type: long(10),
    unit: 'ms',
    default: 300_000,
    doc: 'how often retention runs',
  }),

  // ---------------------------------------------------------------- log compaction (per topic too)
  cleanupPolicy: setting({
    broker: 'log.cleanup.policy',
    flag: '--cleanup-policy',
    topic: 'cleanup.policy',
    type: listOf(oneOf(CLEANUP_POLICIES), { itemsMin: 1 }),
    default: ['delete'],
    doc: 'delete: retention removes old segments; compact: keep the latest record of each key; both: compact,delete',
  }),
  minCleanableDirtyRatio: setting({
    broker: 'log.cleaner.min.cleanable.ratio',
    flag: '--min-cleanable-dirty-ratio',
    topic: 'min.cleanable.dirty.ratio',
    type: double(0, 1),
    unit: 'ratio',
    default: 0.5,
    doc: 'clean a compacted log once dirty bytes are this share of its cleanable bytes',
  }),
  minCompactionLagMs: setting({
    broker: 'log.cleaner.min.compaction.lag.ms',
    flag: '--min-compaction-lag-ms',
    topic: 'min.compaction.lag.ms',
    type: long(0),
    unit: 'ms',
    default: 0,
    doc: 'a record stays uncompacted at least this long',
  }),
  maxCompactionLagMs: setting({
    broker: 'log.cleaner.max.compaction.lag.ms',
    flag: '--max-compaction-lag-ms',
    topic: 'max.compaction.lag.ms',
    type: long(1),
    unit: 'ms',
    default: Number.MAX_SAFE_INTEGER,
    doc: 'a log whose oldest dirty record is this old is cleaned whatever its dirty ratio',
  }),
  deleteRetentionMs: setting({
    broker: 'log.cleaner.delete.retention.ms',
    flag: '--delete-retention-ms',
    topic: 'delete.retention.ms',
    type: long(0),
    unit: 'ms',
    default: DAY_MS,
    doc: 'a tombstone stays this long after the cleaner first passed it',
  }),
  logCleanerEnable: setting({
    broker: 'log.cleaner.enable',
    flag: '--log-cleaner-enable',
    type: boolean(),
    default: true,
    doc: 'run the log cleaner (compacted topics are not compacted without it)',
  }),
  logCleanerIoMaxBytesPerSecond: setting({
    broker: 'log.cleaner.io.max.bytes.per.second',
    flag: '--log-cleaner-io-max-bytes-per-second',
    type: double(1, Number.MAX_VALUE),
    unit: 'bytes/s',
    default: Number.MAX_VALUE,
    doc: 'the cleaner reads and writes at most this many bytes per second',
  }),
  leaderReplicationThrottledRate: setting({
    broker: 'leader.replication.throttled.rate',
    flag: '--leader-replication-throttled-rate',
    type: long(1),
    unit: 'bytes/s',
    default: Number.MAX_SAFE_INTEGER,
    doc: 'a leader sends the replicas a reassignment adds at most this many bytes per second, all together',
  }),
  followerReplicationThrottledRate: setting({
    broker: 'follower.replication.throttled.rate',
    flag: '--follower-replication-throttled-rate',
    type: long(1),
    unit: 'bytes/s',
    default: Number.MAX_SAFE_INTEGER,
    doc: 'a replica being added by a reassignment takes at most this many bytes per second, all together',
  }),
  logCleanerDedupeBufferSize: setting({
    broker: 'log.cleaner.dedupe.buffer.size',
    flag: '--log-cleaner-dedupe-buffer-size',
    type: long(1024),
    unit: 'bytes',
    default: 128 * MIB,
    doc: "memory for the cleaner's key -> offset map (24 bytes a key); a larger dirty section takes several passes",
  }),
  logCleanerBackoffMs: setting({
    broker: 'log.cleaner.backoff.ms',
    flag: '--log-cleaner-backoff-ms',
    type: long(0),
    unit: 'ms',
    default: 15_000,
    doc: 'how long the cleaner sleeps when no log needs cleaning',
  }),

  // ---------------------------------------------------------------- Raft and the controller
  raftHeartbeatMs: setting({
    broker: 'raft.heartbeat.interval.ms',
    flag: '--raft-heartbeat-ms',
    type: long(1),
    unit: 'ms',
    default: 50,
    doc: 'Raft heartbeat interval',
  }),
  raftElectionTimeoutMs: setting({
    broker: 'controller.quorum.election.timeout.ms',
    flag: '--raft-election-timeout-ms',
    type: long(2),
    unit: 'ms',
    default: 300,
    doc: 'Raft minimum election timeout (randomized up to 2x)',
  }),
  raftSnapshotEntries: setting({
    broker: 'raft.snapshot.entries',
    flag: '--raft-snapshot-entries',
    type: long(2),
    default: 1000,
    doc: 'snapshot the metadata and compact the Raft log every n entries',
  }),
  autoLeaderRebalanceEnable: setting({
    broker: 'auto.leader.rebalance.enable',
    flag: '--auto-leader-rebalance-enable',
    type: boolean(),
    default: true,
    doc: 'the controller moves leaderships back to preferred replicas when a broker holds too few of its own',
  }),
  leaderImbalanceCheckIntervalSeconds: setting({
    broker: 'leader.imbalance.check.interval.seconds',
    flag: '--leader-imbalance-check-interval-seconds',
    type: long(1),
    default: 300,
    doc: 'how often the controller checks leader balance',
  }),
  leaderImbalancePerBrokerPercentage: setting({
    broker: 'leader.imbalance.per.broker.percentage',
    flag: '--leader-imbalance-per-broker-percentage',
    type: int(0, 100),
    default: 10,
    doc: "share of a broker's preferred partitions led elsewhere above which they are moved back",
  }),
  brokerSessionTimeoutMs: setting({
    broker: 'broker.session.timeout.ms',
    flag: '--broker-session-timeout-ms',
    type: long(10),
    unit: 'ms',
    default: 1000,
    doc: 'fence a broker silent this long (a crashed one is fenced sooner: its connections drop and its port refuses or its host is gone)',
    main: true,
  }),
  replicaLiveTimeoutMs: setting({
    broker: 'replica.live.timeout.ms',
    flag: '--replica-live-timeout-ms',
    // Above the replication heartbeat (250 ms), or idle followers would count as gone between beats.
    type: long(500),
    unit: 'ms',
    default: 1000,
    doc: 'a follower silent this long no longer counts toward acks=all (NOT_ENOUGH_REPLICAS); a cut-off leader fences itself',
    main: true,
  }),

  // ---------------------------------------------------------------- consumer groups
  offsetsTopicPartitions: setting({
    broker: 'offsets.topic.num.partitions',
    flag: '--offsets-topic-partitions',
    type: int(1, 1000),
    default: 50,
    doc: 'partitions of __consumer_offsets',
  }),
  offsetsTopicReplicationFactor: setting({
    broker: 'offsets.topic.replication.factor',
    flag: '--offsets-topic-replication-factor',
    type: int(1, 64),
    default: { derived: 'min(3, cluster size)' },
    doc: 'replicas of each __consumer_offsets partition; it is created once this many brokers have registered',
  }),
  offsetsTopicSegmentBytes: setting({
    broker: 'offsets.topic.segment.bytes',
    flag: '--offsets-topic-segment-bytes',
    type: int(1024),
    unit: 'bytes',
    default: 100 * MIB,
    doc: 'segment.bytes of __consumer_offsets when it is created (smaller segments are compacted sooner)',
  }),
  offsetsRetentionMs: setting({
    broker: 'offsets.retention.ms',
    flag: '--offsets-retention-ms',
    type: long(1),
    unit: 'ms',
    default: 7 * DAY_MS,
    doc: 'expire committed offsets of empty groups after this',
  }),
  groupMinSessionTimeoutMs: setting({
    broker: 'group.min.session.timeout.ms',
    flag: '--group-min-session-timeout-ms',
    type: int(1),
    unit: 'ms',
    default: 6000,
    doc: 'smallest session timeout a member may ask for',
  }),
  groupMaxSessionTimeoutMs: setting({
    broker: 'group.max.session.timeout.ms',
    flag: '--group-max-session-timeout-ms',
    type: int(1),
    unit: 'ms',
    default: 1_800_000,
    doc: 'largest session timeout a member may ask for',
  }),
  groupInitialRebalanceDelayMs: setting({
    broker: 'group.initial.rebalance.delay.ms',
    flag: '--group-initial-rebalance-delay-ms',
    type: int(0),
    unit: 'ms',
    default: 3000,
    doc: 'wait for more members before the first rebalance',
  }),

  // ---------------------------------------------------------------- transactions
  transactionStateLogNumPartitions: setting({
    broker: 'transaction.state.log.num.partitions',
    flag: '--transaction-state-log-num-partitions',
    type: int(1, 1000),
    default: 50,
    doc: 'partitions of __transaction_state (created on the first transactional FindCoordinator)',
  }),
  transactionStateLogReplicationFactor: setting({
    broker: 'transaction.state.log.replication.factor',
    flag: '--transaction-state-log-replication-factor',
    type: int(1, 64),
    default: { derived: 'min(3, cluster size)' },
    doc: 'replicas of each __transaction_state partition; it is created once this many brokers have registered',
  }),
  transactionPartitionVerificationEnable: setting({
    broker: 'transaction.partition.verification.enable',
    flag: '--transaction-partition-verification-enable',
    type: boolean(),
    default: true,
    doc: 'KIP-890: a partition leader asks the coordinator before a transactional batch opens a transaction on it',
  }),
  transactionMaxTimeoutMs: setting({
    broker: 'transaction.max.timeout.ms',
    flag: '--transaction-max-timeout-ms',
    type: int(1),
    unit: 'ms',
    default: 900_000,
    doc: 'largest transaction.timeout.ms a producer may ask for (larger: INVALID_TRANSACTION_TIMEOUT)',
  }),
  transactionalIdExpirationMs: setting({
    broker: 'transactional.id.expiration.ms',
    flag: '--transactional-id-expiration-ms',
    type: int(1),
    unit: 'ms',
    default: 7 * DAY_MS,
    doc: 'forget a transactional id with no transaction in progress after this long without one',
  }),
  transactionAbortTimedOutTransactionCleanupIntervalMs: setting({
    broker: 'transaction.abort.timed.out.transaction.cleanup.interval.ms',
    flag: '--transaction-abort-timed-out-transaction-cleanup-interval-ms',
    type: int(1),
    unit: 'ms',
    default: 10_000,
    doc: 'how often the coordinator aborts transactions open longer than their timeout',
  }),
  transactionRemoveExpiredTransactionCleanupIntervalMs: setting({
    broker: 'transaction.remove.expired.transaction.cleanup.interval.ms',
    flag: '--transaction-remove-expired-transaction-cleanup-interval-ms',
    type: int(1),
    unit: 'ms',
    default: 3_600_000,
    doc: 'how often the coordinator removes expired transactional ids',
  }),

  // ---------------------------------------------------------------- authorization and quotas
  superUsers: setting({
    broker: 'super.users',
    flag: '--super-users',
    type: principals(),
    default: [],
    doc: 'principals allowed every operation whatever the ACLs say (User:admin;User:ops)',
  }),
  allowEveryoneIfNoAclFound: setting({
    broker: 'allow.everyone.if.no.acl.found',
    flag: '--allow-everyone-if-no-acl-found',
    type: boolean(),
    default: false,
    doc: 'allow a request on a resource no ACL applies to (else it is denied)',
  }),
  authorizerAllListeners: setting({
    broker: 'authorizer.all.listeners',
    flag: '--authorizer-all-listeners',
    type: boolean(),
    default: false,
    doc:
      'authorize requests on listeners that authenticate nobody too, as User:ANONYMOUS (by default only ' +
      'listeners that authenticate clients are authorized)',
  }),
  quotaWindowNum: setting({
    broker: 'quota.window.num',
    flag: '--quota-window-num',
    type: int(1, 1000),
    default: 11,
    doc: 'samples a client quota rate is measured over',
  }),
  quotaWindowSizeSeconds: setting({
    broker: 'quota.window.size.seconds',
    flag: '--quota-window-size-seconds',
    type: int(1, 3600),
    default: 1,
    doc: 'length of each client quota sample in seconds',
  }),

  // ---------------------------------------------------------------- the process
  apply: setting({
    broker: 'apply.file',
    flag: '--apply',
    placeholder: 'file',
    type: optional(text(1, 4096, 'file')),
    default: null,
    doc: 'a YAML topics file to apply once the node is ready (as brook apply -f does)',
  }),
  shutdownTimeoutMs: setting({
    broker: 'shutdown.timeout.ms',
    flag: '--shutdown-timeout-ms',
    type: long(100),
    unit: 'ms',
    default: 10_000,
    doc: 'longest graceful stop before exiting anyway',
  }),

  // ---------------------------------------------------------------- TLS and SASL on the Kafka listeners
  tlsCert: setting({
    broker: 'ssl.certificate.location',
    flag: '--tls-cert',
    type: file(),
    default: null,
    doc: 'PEM certificate chain of SSL and SASL_SSL listeners (re-read when the file changes)',
  }),
  tlsKey: setting({
    broker: 'ssl.key.location',
    flag: '--tls-key',
    type: file(),
    default: null,
    doc: "PEM private key of the listeners' certificate (re-read when the file changes)",
  }),
  tlsKeyPassword: setting({
    broker: 'ssl.key.password',
    flag: '--tls-key-password',
    type: optional(password()),
    default: null,
    sensitive: true,
    doc: 'passphrase of an encrypted --tls-key',
  }),
  tlsCa: setting({
    broker: 'ssl.ca.location',
    flag: '--tls-ca',
    type: file(),
    default: null,
    doc: 'PEM CA certificates that client certificates must chain to',
  }),
  tlsClientAuth: setting({
    broker: 'ssl.client.auth',
    flag: '--tls-client-auth',
    type: oneOf(TLS_CLIENT_AUTH),
    default: 'none',
    doc: 'client certificates on TLS listeners: none, requested (checked if sent) or required; principal User:<CN>',
  }),
  saslMechanisms: setting({
    broker: 'sasl.enabled.mechanisms',
    flag: '--sasl-mechanisms',
    type: listOf(oneOf(SASL_MECHANISMS), { itemsMin: 1 }),
    default: ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
    doc: 'SASL mechanisms of SASL listeners: SCRAM-SHA-256, SCRAM-SHA-512, PLAIN',
  }),
  saslPlainWithoutTls: setting({
    broker: 'sasl.plain.without.tls.enable',
    flag: '--sasl-plain-without-tls',
    type: boolean(),
    default: false,
    doc: 'offer PLAIN on SASL_PLAINTEXT listeners too, where passwords cross the network in clear',
  }),
  connectionsMaxReauthMs: setting({
    broker: 'connections.max.reauth.ms',
    flag: '--connections-max-reauth-ms',
    type: long(0),
    unit: 'ms',
    default: 0,
    doc: 'SASL session lifetime: clients re-authenticate before it ends or are disconnected (0: unlimited)',
  }),
  connectionFailedAuthenticationDelayMs: setting({
    broker: 'connection.failed.authentication.delay.ms',
    flag: '--connection-failed-authentication-delay-ms',
    type: int(0, 60_000),
    unit: 'ms',
    default: 100,
    doc: "delay before a failed authentication's answer and close, doubling per recent failure from that address",
  }),
  bootstrapUsers: setting({
    broker: 'sasl.bootstrap.users',
    flag: '--bootstrap-users',
    type: bootstrapUsers(),
    default: [],
    sensitive: true,
    doc: 'SCRAM users created at start when missing, NAME:PASSWORD,... (prefer BROOK_BOOTSTRAP_USERS to a flag)',
  }),

  // ---------------------------------------------------------------- mutual TLS between the nodes
  peerTlsCert: setting({
    broker: 'grpc.ssl.certificate.location',
    flag: '--peer-tls-cert',
    type: file(),
    default: null,
    doc: 'PEM certificate chain this node shows its peers on the gRPC port (mutual TLS between nodes)',
  }),
  peerTlsKey: setting({
    broker: 'grpc.ssl.key.location',
    flag: '--peer-tls-key',
    type: file(),
    default: null,
    doc: 'PEM private key of --peer-tls-cert',
  }),
  peerTlsCa: setting({
    broker: 'grpc.ssl.ca.location',
    flag: '--peer-tls-ca',
    type: file(),
    default: null,
    doc: 'PEM cluster CA: the gRPC port accepts only peers whose certificate chains to it',
  }),

  // ---------------------------------------------------------------- topic configs (broker value fixed)
  compressionType: setting({
    broker: 'compression.type',
    topic: 'compression.type',
    type: oneOf(COMPRESSION_TYPES),
    default: 'producer',
    doc: 'producer: batches stored as sent; a codec: the leader recompresses batches in another one',
  }),
  messageFormatVersion: setting({
    broker: 'log.message.format.version',
    topic: 'message.format.version',
    type: kafkaVersion(),
    default: '3.0-IV1',
    doc: 'accepted as Kafka 3.x did (deprecated); batches are stored as v2 whatever it says',
  }),
  segmentIndexBytes: setting({
    broker: 'log.index.size.max.bytes',
    topic: 'segment.index.bytes',
    type: int(4),
    unit: 'bytes',
    default: 10 * MIB,
    doc: 'accepted for compatibility',
  }),
  messageTimestampType: setting({
    broker: 'log.message.timestamp.type',
    topic: 'message.timestamp.type',
    type: oneOf(TIMESTAMP_TYPES),
    default: 'CreateTime',
    doc: 'keep the producer timestamp or use the broker time',
  }),
  messageTimestampDifferenceMaxMs: setting({
    broker: 'log.message.timestamp.difference.max.ms',
    topic: 'message.timestamp.difference.max.ms',
    type: long(0),
    unit: 'ms',
    default: Number.MAX_SAFE_INTEGER,
    doc: 'accepted for compatibility',
  }),
  uncleanLeaderElectionEnable: setting({
    broker: 'unclean.leader.election.enable',
    topic: 'unclean.leader.election.enable',
    type: strictBoolean(false),
    default: false,
    doc: 'never: no unclean elections',
  }),

  // ---------------------------------------------------------------- quorums (per topic)
  minInsyncReplicas: setting({
    broker: 'min.insync.replicas',
    topic: 'min.insync.replicas',
    type: optional(int(1)),
    default: null,
    doc: 'alias of write.quorum',
  }),
  writeQuorum: setting({
    topic: 'write.quorum',
    type: optional(int(1)),
    default: null,
    doc: 'replicas that must hold a write before it is acknowledged (default: a majority)',
  }),
  readQuorum: setting({
    topic: 'read.quorum',
    type: optional(int(1)),
    default: null,
    doc: 'replicas that must answer before a new leader is chosen (default: N - W + 1)',
  }),
  unsafeQuorums: setting({
    topic: 'unsafe.quorums',
    type: strictBoolean(),
    default: false,
    doc: 'allow write.quorum + read.quorum <= replication factor',
  }),
};

export type Settings = typeof SETTINGS;
export type SettingKey = keyof Settings;

/** A row read without its own value type: for code that handles every row alike. */
export type SettingRow = Setting<unknown> & { readonly key: SettingKey };

/** Every row, in the table's order, with its key. */
export const SETTING_ROWS: readonly SettingRow[] = (Object.keys(SETTINGS) as SettingKey[]).map((key): SettingRow => ({
  ...(SETTINGS[key] as Setting<unknown>),
  key,
}));
