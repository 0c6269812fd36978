// The replication module's door: this node's partition replicas (ReplicaManager, each one a
// Partition that leads or follows), the gRPC client and service between replicas, and the
// controller's partition elections (Seal, then choose a leader), which implement metadata's
// LeadershipDrain. The pure protocol core (./protocol) stays inside: other modules see replicas.
export { ElectionRequests } from './election-requests.js';
export { PartitionElections, type SealClient } from './partition-elections.js';
export { type AppendResult, Partition, type ReplicaRole, type ReplicaStatus } from './partition.js';
export { type LeadershipListener, ReplicaManager } from './replica-manager.js';
export { type LocalReplication, ReplicationClient } from './replication-client.js';
export { ReplicationService } from './replication-service.js';
