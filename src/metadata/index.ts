// The metadata module's door: the cluster's metadata log (Raft-replicated records applied to a
// MetadataState), the controller that decides what is recorded, the control plane between
// brokers and the controller (registration, heartbeats, fencing, forwarded admin calls), and
// producer-id blocks. Topic configs are rows of common's settings registry. Depends on raft,
// storage and common only.
export { BrokerHeartbeats, type BrokerLiveness } from './broker-heartbeats.js';
export { type ProbeResult, probeBroker } from './broker-probe.js';
export { type AdminOperations, ClusterAdmin } from './cluster-admin.js';
export { BrokerLifecycle, ControlClient } from './control-client.js';
export { type ControlResult, ControlService, type LeadershipDrain } from './control-service.js';
export { Controller, type ControllerDefaults, type CreateTopicSpec, validateTopicName } from './controller.js';
export type { ControllerChangeListener, MetadataListener, MetadataLog } from './log.js';
export { ProducerIdAllocator } from './producer-ids.js';
export { RaftMetadataLog, type RaftMetadataConfig, type RaftMetadataLogOptions } from './raft-log.js';
export { type MetadataRecord, type PartitionAssignment, decodeRecordBatch, encodeRecordBatch } from './records.js';
export {
  type BrokerInfo,
  type MetadataChange,
  type MetadataSnapshot,
  MetadataState,
  type PartitionInfo,
  type TopicInfo,
} from './state.js';
