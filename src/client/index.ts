// The client module's door: Brook's own Kafka client, written on the broker's codec. KafkaClient
// finds brokers, leaders and coordinators and retries what is retriable; Admin, Producer and
// Consumer are the calls the `brook` CLI, the line protocol and the node's topics file make. It
// speaks to a broker over TCP or, inside a node, through that node's dispatcher.
export { type Acks, type ProduceOptions, Producer, type RecordMetadata } from './producer.js';
export {
  Admin,
  type CommittedOffset,
  type ConfigEntry,
  type ConfigSourceName,
  type GroupDescription,
  type GroupListing,
  type GroupMember as DescribedMember,
  type NewTopic,
  type OffsetSpec,
  type PartitionOffset,
  type QuorumDescription,
  type TopicPartitions,
} from './admin.js';
export { Api, type ApiKey } from './api-versions.js';
export { BrokerConnection } from './broker-connection.js';
export {
  type BrokerMetadata,
  CLIENT_DEFAULTS,
  type ClientOptions,
  type ClusterMetadata,
  type HostPort,
  KafkaClient,
  parseBootstrap,
  parseHostPort,
  type PartitionMetadata,
  type TopicMetadata,
} from './client.js';
export { Consumer, type ConsumerOptions, type StartPosition } from './consumer.js';
export { DispatcherTransport } from './dispatcher-transport.js';
export { SocketTransport } from './socket-transport.js';
export { brokerError, check, ClientError, ConnectionError } from './errors.js';
export { GROUP_DEFAULTS, type GroupOptions } from './group-member.js';
export { murmur2, partitionForKey } from './murmur2.js';
export { type ClientProperties, clientProperties, parseProperties, type SecurityProtocol } from './properties.js';
export { rangeAssign } from './range-assignor.js';
export { type ConsumedRecord, decodeBlob, encodeBatch, type ProducerRecord, type RecordHeader } from './records.js';
export type { Transport } from './transport.js';
export {
  ACL_FILTER_ANY,
  type AclBinding,
  type AclFilter,
  describeAcl,
  type OperationName,
  type PatternName,
  type PermissionName,
  type ResourceTypeName,
  SCRAM_ITERATIONS_DEFAULT,
  SecurityAdmin,
  type UserCredential,
} from './security-admin.js';
export {
  type OngoingReassignment,
  ReassignmentAdmin,
  type ReassignmentOutcome,
  type ReassignmentTarget,
} from './reassignment-admin.js';
export { SASL_MECHANISMS, type SaslCredentials, type SaslMechanism } from './sasl.js';
export type { TlsOptions } from './socket-transport.js';
