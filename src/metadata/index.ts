// The metadata module's door: the cluster's metadata log (Raft-replicated records applied to a
// MetadataState), the controller that decides what is recorded, the control plane between
// brokers and the controller (registration, heartbeats, fencing, forwarded admin calls), and
// producer-id blocks. Topic configs are rows of common's settings registry. Depends on raft,
// storage and common only.
export { AclIndex, type StoredAcl } from './acl-index.js';
export {
  type AclBinding,
  type AclBindingFilter,
  AclOperation,
  AclPermissionType,
  authorizationErrorOf,
  CLUSTER_RESOURCE_NAME,
  PatternType,
  ResourceType,
  supportedOperations,
  validateAclBinding,
  validateAclFilter,
} from './acl-model.js';
export { allOperations, Authorizer, type AuthorizerSettings, type Requester } from './authorizer.js';
export {
  type AppliedQuota,
  type ClientQuotaEntry,
  ClientQuotaStore,
  entityOfParts,
  partsOfEntity,
  type QuotaEntity,
  type QuotaEntityPart,
  type QuotaFilterComponent,
  type QuotaKey,
} from './client-quotas.js';
export { BrokerHeartbeats, type BrokerLiveness } from './broker-heartbeats.js';
export { type ProbeResult, probeBroker } from './broker-probe.js';
export { BrokerWatch, GONE_PROBE_TIMEOUT_MS } from './broker-watch.js';
export { type AdminOperations, ClusterAdmin } from './cluster-admin.js';
export { BrokerLifecycle, ControlClient, ownPeerAddress, type RegistrationResult } from './control-client.js';
export { PeerDirectory } from './peer-directory.js';
export { type MetadataQuorum, QuorumAdmin } from './quorum-admin.js';
export { BrokerRetirement } from './broker-retirement.js';
export {
  type ControlResult,
  ControlService,
  type ElectionOutcome,
  type ElectionType,
  type LeadershipDrain,
  type PartitionElectionResult,
} from './control-service.js';
export {
  Controller,
  type ControllerDefaults,
  type CreateTopicSpec,
  type ReassignmentRequest,
  type ReassignmentResult,
  validateTopicName,
} from './controller.js';
export type { ControllerChangeListener, MetadataListener, MetadataLog } from './log.js';
export { addingReplicas, hostingReplicas, removingReplicas } from './reassignment.js';
export { ProducerIdAllocator } from './producer-ids.js';
export type { AclDeletionResult, ItemResult, QuotaAlteration, QuotaAlterationResult } from './security-plans.js';
export { RaftMetadataLog, type RaftMetadataConfig, type RaftMetadataLogOptions } from './raft-log.js';
export {
  type BrokerEndpoint,
  type MetadataRecord,
  type PartitionAssignment,
  decodeRecordBatch,
  encodeRecordBatch,
} from './records.js';
export {
  isScramMechanism,
  planScramChanges,
  SCRAM_ITERATIONS_MAX,
  SCRAM_ITERATIONS_MIN,
  SCRAM_MECHANISM_CODES,
  SCRAM_MECHANISM_NAMES,
  type ScramAlterResult,
  type ScramCredential,
  type ScramDeletion,
  type ScramMechanism,
  scramMechanismOfCode,
  type ScramUpsertion,
  ScramUsers,
} from './scram-users.js';
export {
  type BrokerInfo,
  type MetadataChange,
  type MetadataSnapshot,
  MetadataState,
  type PartitionInfo,
  type TopicInfo,
} from './state.js';
