// The groups module's door: the consumer group coordinator, its records in __consumer_offsets,
// the consumer protocol's payloads, and its wiring onto a node's replicas. Depends on
// replication, metadata, storage and common; never on kafka.
export {
  GroupCoordinator,
  OFFSETS_TOPIC,
  type GroupCoordinatorOptions,
  type CommitParams,
  type PartitionResult,
  type FetchedOffset,
  type GroupListing,
  type GroupDescription,
} from './coordinator.js';
export type { CoordinatorLog } from './coordinator-log.js';
export { PartitionCoordinatorLog } from './partition-coordinator-log.js';
export { GroupState, CONSUMER_PROTOCOL_TYPE } from './group.js';
export type { JoinResult, SyncResult, MemberProtocol } from './member.js';
export type { JoinGroupParams, SyncGroupParams, HeartbeatParams, MemberIdentity, LeaveResult } from './membership.js';
export { javaStringHashCode, offsetsPartitionFor } from './hash.js';
export {
  encodeCoordinatorRecord,
  decodeCoordinatorRecord,
  type CoordinatorRecord,
  type OffsetCommitValue,
  type GroupMetadataValue,
} from './records.js';
export { systemScheduler, type Scheduler, type ScheduledTask } from './scheduler.js';
export { groupsLag, type GroupLag, type PartitionLag } from './lag.js';
export { attachGroupCoordinator } from './wiring.js';
export {
  type ConsumerProtocolAssignment,
  type ConsumerProtocolSubscription,
  type ConsumerProtocolTopicPartition,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
} from './consumer-protocol.js';
