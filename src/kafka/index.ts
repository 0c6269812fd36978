// The kafka module's door: the Kafka listener (KafkaServer, one Connection per client), the
// dispatcher that turns a request frame into a response frame, the handlers (one per API key) and
// the BrokerContext they are given. The wire codec and the message types are exported for Brook's
// own Kafka client (src/client), which speaks the protocol with the broker's codec, and for the
// callers that dispatch requests in-process (the line protocol, a node applying a topics file).
export type { BrokerContext, QuorumView } from './broker-context.js';
export { RequestDispatcher } from './dispatcher.js';
export { type ApiHandler, type ClientConnection, type RequestContext } from './handler.js';
export { type ListenerIdentity, PLAINTEXT_LISTENER } from './listener-identity.js';
export { createHandlers } from './handlers/index.js';
export { METADATA_TOPIC } from './handlers/describe-quorum.js';
export { RequestAuthorizer } from './request-access.js';
export { QuotaEnforcer } from './quotas/quota-enforcer.js';
export { RequestQuotas } from './quotas/request-quotas.js';
export { type CredentialSource, KafkaListeners } from './listeners.js';
export { createBootstrapUsers } from './sasl/bootstrap-users.js';
export { passwordMatches } from './sasl/scram-crypto.js';
export { KafkaServer } from './server.js';
export {
  noCoordinatorVerifier,
  type TransactionPartition,
  type TransactionVerifier,
  type VerifiedPartition,
  type VerifyTransactionRequest,
} from './transaction-verifier.js';
export {
  CoordinatorVerifier,
  InterBrokerClient,
  InterBrokerService,
  interBrokerApis,
  KafkaMarkerTransport,
} from './inter-broker/index.js';
export { apiSchemas, decodeResponseFrame, encodeRequest } from './protocol/index.js';
export type { ApiVersionsResponse } from './protocol/messages/api-versions.js';
export type {
  CreatableTopicResult,
  CreateTopicsRequest,
  CreateTopicsResponse,
} from './protocol/messages/create-topics.js';
export type { CreatePartitionsRequest, CreatePartitionsResponse } from './protocol/messages/create-partitions.js';
export type { ElectLeadersRequest, ElectLeadersResponse } from './protocol/messages/elect-leaders.js';
export type {
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
} from './protocol/messages/alter-partition-reassignments.js';
export type {
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
} from './protocol/messages/list-partition-reassignments.js';
export type { UnregisterBrokerRequest, UnregisterBrokerResponse } from './protocol/messages/unregister-broker.js';
export type { DeleteGroupsRequest, DeleteGroupsResponse } from './protocol/messages/delete-groups.js';
export type { DeleteTopicsRequest, DeleteTopicsResponse } from './protocol/messages/delete-topics.js';
export {
  ConfigResourceType,
  ConfigSource,
  type DescribeConfigsRequest,
  type DescribeConfigsResourceResult,
  type DescribeConfigsResponse,
} from './protocol/messages/describe-configs.js';
export type {
  DescribedGroup,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
} from './protocol/messages/describe-groups.js';
export type { DescribeQuorumRequest, DescribeQuorumResponse } from './protocol/messages/describe-quorum.js';
export type { AddRaftVoterRequest, AddRaftVoterResponse } from './protocol/messages/add-raft-voter.js';
export type { RemoveRaftVoterRequest, RemoveRaftVoterResponse } from './protocol/messages/remove-raft-voter.js';
export type { FetchPartitionData, FetchRequest, FetchResponse } from './protocol/messages/fetch.js';
export {
  CoordinatorKeyType,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
} from './protocol/messages/find-coordinator.js';
export type { HeartbeatRequest, HeartbeatResponse } from './protocol/messages/heartbeat.js';
export {
  ConfigOperation,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse,
} from './protocol/messages/incremental-alter-configs.js';
export type { JoinGroupRequest, JoinGroupResponse } from './protocol/messages/join-group.js';
export type { LeaveGroupRequest, LeaveGroupResponse } from './protocol/messages/leave-group.js';
export type { ListGroupsRequest, ListGroupsResponse } from './protocol/messages/list-groups.js';
export type { ListOffsetsRequest, ListOffsetsResponse } from './protocol/messages/list-offsets.js';
export type {
  MetadataRequest,
  MetadataResponse,
  MetadataResponsePartition,
  MetadataResponseTopic,
} from './protocol/messages/metadata.js';
export type { OffsetCommitRequest, OffsetCommitResponse } from './protocol/messages/offset-commit.js';
export type { OffsetFetchRequest, OffsetFetchResponse } from './protocol/messages/offset-fetch.js';
export type { ProduceRequest, ProduceResponse } from './protocol/messages/produce.js';
export type { SyncGroupRequest, SyncGroupResponse } from './protocol/messages/sync-group.js';
export type {
  AlterUserScramCredentialsRequest,
  AlterUserScramCredentialsResponse,
} from './protocol/messages/alter-user-scram-credentials.js';
export type {
  DescribeUserScramCredentialsRequest,
  DescribeUserScramCredentialsResponse,
} from './protocol/messages/describe-user-scram-credentials.js';
export type { AclCreation, CreateAclsRequest, CreateAclsResponse } from './protocol/messages/create-acls.js';
export type { DescribeAclsRequest, DescribeAclsResponse } from './protocol/messages/describe-acls.js';
export type { DeleteAclsFilter, DeleteAclsRequest, DeleteAclsResponse } from './protocol/messages/delete-acls.js';
export type { SaslAuthenticateRequest, SaslAuthenticateResponse } from './protocol/messages/sasl-authenticate.js';
export type { SaslHandshakeRequest, SaslHandshakeResponse } from './protocol/messages/sasl-handshake.js';
