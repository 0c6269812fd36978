// The common module's door, the lowest layer: what every other module may use. Assertions and
// typed errors, limits, the settings registry, the clock, logging, gRPC plumbing, the metric definitions,
// CRC-32C, and the binary Reader/Writer with the schema-driven codec that Kafka's wire protocol
// and Kafka's stored formats (group records, the consumer protocol) share. Nothing here imports
// another module of src/.
export { AssertionError, assert, unreachable } from './assert.js';
export { type Clock, type ScheduledTask, systemClock } from './clock.js';
export { crc32 } from './crc32.js';
// The settings registry and everything derived from it (the node's typed config, topic configs,
// quorums, DescribeConfigs' view); its own door lists them.
export * from './settings/index.js';
export { crc32c } from './crc32c.js';
export { javaStringHashCode, kafkaAbs, partitionForKey } from './java-hash.js';
export { ConfigError, ErrorCode, KafkaError, ProtocolError, errorCodeOf, errorName } from './errors.js';
export { CHANNEL_OPTIONS, GrpcServer, createClient, grpc, loadProto, serviceConstructor } from './grpc.js';
export { freePort } from './free-port.js';
export { keepReleasingFreedMemory, releaseFreedMemory } from './freed-memory.js';
export { type NativeAddon, nativeAddon, nativeAddonUnavailable } from './native-addon.js';
export { limits } from './limits.js';
export type { PeerAddresses } from './peer-addresses.js';
export { INSECURE_PEERS, type PeerCredentials, peerCredentials } from './peer-tls.js';
export {
  ANONYMOUS,
  formatPrincipal,
  type KafkaPrincipal,
  parsePrincipal,
  SECURITY_PROTOCOLS,
  type SecurityProtocol,
  samePrincipal,
  userPrincipal,
  usesSasl,
  usesTls,
} from './principal.js';
export { LOG_LEVELS, type Logger, createLogger, silentLogger } from './log.js';
export {
  type CleanerMetricsSource,
  LATENCY_BUCKETS_SECONDS,
  type NodeGauges,
  type RequestMetrics,
  cleanerMetrics,
  countResponseErrors,
  nodeGauges,
  requestMetrics,
} from './metrics.js';
export { type TopicTotals, TopicTraffic } from './metrics-topics.js';
export {
  type AppendCallTiming,
  NO_PRODUCE_STAGES,
  PRODUCE_STAGES,
  type ProduceStage,
  type ProduceStages,
  STAGE_BUCKETS_SECONDS,
  observeAppendCall,
  produceStageMetrics,
  stageNowMs,
  wallClockMs,
} from './metrics-stages.js';
export {
  type EventMetrics,
  type GroupLagHealth,
  type HealthSource,
  type LedPartitionHealth,
  eventMetrics,
  healthMetrics,
} from './metrics-health.js';
export { Reader } from './binary/reader.js';
export { type Mark, Writer, concat } from './binary/writer.js';
export {
  type DefaultValue,
  type FieldSchema,
  type MessageSchema,
  type Primitive,
  type VersionSpan,
  f,
  inVersions,
  parseVersions,
} from './binary/schema.js';
export {
  type RecordsValue,
  type Struct,
  ZERO_UUID,
  decodeMessage,
  defaultMessage,
  encodeMessage,
  encodeMessageToBuffers,
  fieldKey,
  isFlexible,
} from './binary/codec.js';
export type { TaggedStruct, UnknownTaggedField } from './binary/tagged-fields.js';
