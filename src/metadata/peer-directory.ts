// This node's address book of the cluster's gRPC servers: the voters of --cluster-nodes as given,
// every other node as its registration in the metadata log says, and what the controller told
// this node when it registered (a broker that has not yet applied the log still has to answer the
// Raft leader, which may be a broker promoted to voter at run time).
import type { ClusterMember, PeerAddresses } from '../common/index.js';
import type { MetadataState } from './state.js';

export class PeerDirectory implements PeerAddresses {
  /** Addresses heard outside the log (the controller's answer to this node's registration). */
  private readonly told = new Map<number, string>();

  constructor(
    /** --cluster-nodes: the operator's word wins for the nodes it names. */
    private readonly configured: readonly ClusterMember[],
    private readonly state: MetadataState,
  ) {}

  address(nodeId: number): string | null {
    const member = this.configured.find((m) => m.nodeId === nodeId);
    if (member) return `${member.host}:${member.grpcPort}`;
    return this.state.broker(nodeId)?.peerAddress ?? this.told.get(nodeId) ?? null;
  }

  /** Every node with a known address, and where. */
  known(): { nodeId: number; address: string }[] {
    const ids = new Set<number>([
      ...this.configured.map((m) => m.nodeId),
      ...this.state.brokers.map((b) => b.nodeId),
      ...this.told.keys(),
    ]);
    return [...ids]
      .sort((a, b) => a - b)
      .flatMap((nodeId) => {
        const address = this.address(nodeId);
        return address === null ? [] : [{ nodeId, address }];
      });
  }

  /** Remembers addresses the controller gave; the log's own records take precedence once applied. */
  learn(peers: readonly { nodeId: number; address: string }[]): void {
    for (const { nodeId, address } of peers) this.told.set(nodeId, address);
  }
}
