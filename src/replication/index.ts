// The replication module's door: this node's partition replicas (ReplicaManager, each one a
// Replica that leads or follows), the gRPC client and service between replicas, and the
// controller's partition elections (Seal, then choose a leader), which implement metadata's
// LeadershipDrain. The pure protocol core (./protocol) stays inside: other modules see replicas.
export { ElectionRequests } from './election-requests.js';
export { PartitionElections, type SealClient } from './partition-elections.js';
export { LeaderBalancer } from './leader-balancer.js';
export { type AppendResult, Replica, type ReplicaRole, type ReplicaStatus } from './replica.js';
export { replayCommitted } from './replay-committed.js';
export { coordinatorPartitionErrorCode } from './coordinator-errors.js';
export { nodeTailCacheBudget } from './tail-cache.js';
export { type LeadershipListener, ReplicaManager, type ReplicaManagerParts } from './replica-manager.js';
export type { ElectionAsk, ReplicaMetadata, ReplicaNetwork } from './replica-network.js';
export { type LocalReplication, ReplicationClient } from './replication-client.js';
export { ReplicationService } from './replication-service.js';
