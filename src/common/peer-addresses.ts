// Where another node's gRPC server is reached. The voters named in --cluster-nodes are known from
// the start; a broker beyond them is known once its registration is in the metadata log. Raft,
// replication, the control plane and the inter-broker channel all look addresses up here, so a
// node that joins at run time is reached the same way as one named at start.
export interface PeerAddresses {
  /** gRPC "host:port" of `nodeId`, or null while it is unknown (not a voter, not registered). */
  address(nodeId: number): string | null;
}
