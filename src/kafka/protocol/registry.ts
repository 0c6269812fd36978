// Every API this broker has a schema for, by key. ApiVersions answers are built from the
// handlers' advertised ranges, not from this table: a schema may describe more versions than the
// broker advertises (Metadata 10-12, Fetch 13-17 need real topic ids).
import { assert } from '../../common/index.js';
import type { ApiSchema } from './api-schema.js';
import { produceApi } from './messages/produce.js';
import { fetchApi } from './messages/fetch.js';
import { listOffsetsApi } from './messages/list-offsets.js';
import { metadataApi } from './messages/metadata.js';
import { offsetCommitApi } from './messages/offset-commit.js';
import { offsetFetchApi } from './messages/offset-fetch.js';
import { findCoordinatorApi } from './messages/find-coordinator.js';
import { joinGroupApi } from './messages/join-group.js';
import { heartbeatApi } from './messages/heartbeat.js';
import { leaveGroupApi } from './messages/leave-group.js';
import { syncGroupApi } from './messages/sync-group.js';
import { describeGroupsApi } from './messages/describe-groups.js';
import { listGroupsApi } from './messages/list-groups.js';
import { saslHandshakeApi } from './messages/sasl-handshake.js';
import { saslAuthenticateApi } from './messages/sasl-authenticate.js';
import { describeUserScramCredentialsApi } from './messages/describe-user-scram-credentials.js';
import { alterUserScramCredentialsApi } from './messages/alter-user-scram-credentials.js';
import { apiVersionsApi } from './messages/api-versions.js';
import { createTopicsApi } from './messages/create-topics.js';
import { deleteTopicsApi } from './messages/delete-topics.js';
import { deleteRecordsApi } from './messages/delete-records.js';
import { initProducerIdApi } from './messages/init-producer-id.js';
import { offsetForLeaderEpochApi } from './messages/offset-for-leader-epoch.js';
import { describeConfigsApi } from './messages/describe-configs.js';
import { alterConfigsApi } from './messages/alter-configs.js';
import { createPartitionsApi } from './messages/create-partitions.js';
import { electLeadersApi } from './messages/elect-leaders.js';
import { alterPartitionReassignmentsApi } from './messages/alter-partition-reassignments.js';
import { listPartitionReassignmentsApi } from './messages/list-partition-reassignments.js';
import { unregisterBrokerApi } from './messages/unregister-broker.js';
import { deleteGroupsApi } from './messages/delete-groups.js';
import { incrementalAlterConfigsApi } from './messages/incremental-alter-configs.js';
import { offsetDeleteApi } from './messages/offset-delete.js';
import { writeTxnMarkersApi } from './messages/write-txn-markers.js';
import { txnOffsetCommitApi } from './messages/txn-offset-commit.js';
import { describeProducersApi } from './messages/describe-producers.js';
import { addPartitionsToTxnApi } from './messages/add-partitions-to-txn.js';
import { addOffsetsToTxnApi } from './messages/add-offsets-to-txn.js';
import { endTxnApi } from './messages/end-txn.js';
import { describeTransactionsApi } from './messages/describe-transactions.js';
import { listTransactionsApi } from './messages/list-transactions.js';
import { describeQuorumApi } from './messages/describe-quorum.js';
import { addRaftVoterApi } from './messages/add-raft-voter.js';
import { removeRaftVoterApi } from './messages/remove-raft-voter.js';
import { describeAclsApi } from './messages/describe-acls.js';
import { createAclsApi } from './messages/create-acls.js';
import { deleteAclsApi } from './messages/delete-acls.js';
import { describeClientQuotasApi } from './messages/describe-client-quotas.js';
import { alterClientQuotasApi } from './messages/alter-client-quotas.js';

export const allApis: readonly ApiSchema[] = [
  produceApi,
  fetchApi,
  listOffsetsApi,
  metadataApi,
  offsetCommitApi,
  offsetFetchApi,
  findCoordinatorApi,
  joinGroupApi,
  heartbeatApi,
  leaveGroupApi,
  syncGroupApi,
  describeGroupsApi,
  listGroupsApi,
  saslHandshakeApi,
  saslAuthenticateApi,
  describeUserScramCredentialsApi,
  alterUserScramCredentialsApi,
  apiVersionsApi,
  createTopicsApi,
  deleteTopicsApi,
  deleteRecordsApi,
  initProducerIdApi,
  offsetForLeaderEpochApi,
  describeConfigsApi,
  alterConfigsApi,
  createPartitionsApi,
  electLeadersApi,
  alterPartitionReassignmentsApi,
  listPartitionReassignmentsApi,
  unregisterBrokerApi,
  deleteGroupsApi,
  incrementalAlterConfigsApi,
  offsetDeleteApi,
  writeTxnMarkersApi,
  txnOffsetCommitApi,
  describeProducersApi,
  addPartitionsToTxnApi,
  addOffsetsToTxnApi,
  endTxnApi,
  describeTransactionsApi,
  listTransactionsApi,
  describeQuorumApi,
  addRaftVoterApi,
  removeRaftVoterApi,
  describeAclsApi,
  createAclsApi,
  deleteAclsApi,
  describeClientQuotasApi,
  alterClientQuotasApi,
];

export const apiSchemas: ReadonlyMap<number, ApiSchema> = new Map(allApis.map((api) => [api.apiKey, api]));

for (const api of allApis) {
  assert(api.request.apiKey === api.apiKey && api.response.apiKey === api.apiKey, `${api.name}: api keys disagree`);
  assert(api.request.validVersions === api.response.validVersions, `${api.name}: request and response versions differ`);
}
assert(apiSchemas.size === allApis.length, 'two schemas share an api key');
