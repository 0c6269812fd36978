// Every handler this node serves. The registry is also what ApiVersions advertises, so an API is
// advertised exactly when it is implemented.
import type { BrokerContext } from '../broker-context.js';
import type { ApiHandler } from '../handler.js';
import { alterConfigsHandler } from './alter-configs.js';
import { apiVersionsHandler } from './api-versions.js';
import { createPartitionsHandler } from './create-partitions.js';
import { electLeadersHandler } from './elect-leaders.js';
import { alterPartitionReassignmentsHandler } from './alter-partition-reassignments.js';
import { listPartitionReassignmentsHandler } from './list-partition-reassignments.js';
import { unregisterBrokerHandler } from './unregister-broker.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeConfigsHandler } from './describe-configs.js';
import { describeQuorumHandler } from './describe-quorum.js';
import { addRaftVoterHandler } from './add-raft-voter.js';
import { removeRaftVoterHandler } from './remove-raft-voter.js';
import { fetchHandler } from './fetch.js';
import { findCoordinatorHandler } from './find-coordinator.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { produceHandler } from './produce.js';
import { deleteGroupsHandler } from './delete-groups.js';
import { describeGroupsHandler } from './describe-groups.js';
import { heartbeatHandler } from './heartbeat.js';
import { joinGroupHandler } from './join-group.js';
import { leaveGroupHandler } from './leave-group.js';
import { listGroupsHandler } from './list-groups.js';
import { offsetCommitHandler } from './offset-commit.js';
import { offsetDeleteHandler } from './offset-delete.js';
import { offsetFetchHandler } from './offset-fetch.js';
import { syncGroupHandler } from './sync-group.js';
import { describeProducersHandler } from './describe-producers.js';
import { txnOffsetCommitHandler } from './txn-offset-commit.js';
import { writeTxnMarkersHandler } from './write-txn-markers.js';
import { addOffsetsToTxnHandler } from './add-offsets-to-txn.js';
import { addPartitionsToTxnHandler } from './add-partitions-to-txn.js';
import { describeTransactionsHandler } from './describe-transactions.js';
import { endTxnHandler } from './end-txn.js';
import { listTransactionsHandler } from './list-transactions.js';
import { alterClientQuotasHandler } from './alter-client-quotas.js';
import { createAclsHandler } from './create-acls.js';
import { deleteAclsHandler } from './delete-acls.js';
import { describeAclsHandler } from './describe-acls.js';
import { describeClientQuotasHandler } from './describe-client-quotas.js';
import { alterUserScramCredentialsHandler } from './alter-user-scram-credentials.js';
import { describeUserScramCredentialsHandler } from './describe-user-scram-credentials.js';
import { saslAuthenticateHandler } from './sasl-authenticate.js';
import { saslHandshakeHandler } from './sasl-handshake.js';

export function createHandlers(ctx: BrokerContext): ApiHandler[] {
  return [
    produceHandler(ctx),
    fetchHandler(ctx),
    listOffsetsHandler(ctx),
    metadataHandler(ctx),
    findCoordinatorHandler(ctx),
    apiVersionsHandler(ctx),
    // SASL outside an exchange, and SCRAM users (src/kafka/sasl runs the exchanges).
    saslHandshakeHandler(),
    saslAuthenticateHandler(),
    describeUserScramCredentialsHandler(ctx),
    alterUserScramCredentialsHandler(ctx),
    createTopicsHandler(ctx),
    deleteTopicsHandler(ctx),
    deleteRecordsHandler(ctx),
    initProducerIdHandler(ctx),
    offsetForLeaderEpochHandler(ctx),
    describeConfigsHandler(ctx),
    alterConfigsHandler(ctx),
    createPartitionsHandler(ctx),
    electLeadersHandler(ctx),
    alterPartitionReassignmentsHandler(ctx),
    listPartitionReassignmentsHandler(ctx),
    unregisterBrokerHandler(ctx),
    incrementalAlterConfigsHandler(ctx),
    // The metadata quorum: its state, and voters changed one at a time.
    describeQuorumHandler(ctx),
    addRaftVoterHandler(ctx),
    removeRaftVoterHandler(ctx),
    // Consumer groups (src/groups).
    offsetCommitHandler(ctx),
    offsetFetchHandler(ctx),
    joinGroupHandler(ctx),
    heartbeatHandler(ctx),
    leaveGroupHandler(ctx),
    syncGroupHandler(ctx),
    describeGroupsHandler(ctx),
    listGroupsHandler(ctx),
    deleteGroupsHandler(ctx),
    offsetDeleteHandler(ctx),
    // Transactions: the partition and group side, and the coordinator's APIs (src/transactions).
    writeTxnMarkersHandler(ctx),
    txnOffsetCommitHandler(ctx),
    describeProducersHandler(ctx),
    addPartitionsToTxnHandler(ctx),
    addOffsetsToTxnHandler(ctx),
    endTxnHandler(ctx),
    describeTransactionsHandler(ctx),
    listTransactionsHandler(ctx),
    // ACLs and client quotas (the replicated metadata).
    describeAclsHandler(ctx),
    createAclsHandler(ctx),
    deleteAclsHandler(ctx),
    describeClientQuotasHandler(ctx),
    alterClientQuotasHandler(ctx),
  ];
}
