// The node's parts as the web console sees them (src/console's ConsoleNode): wiring, so that the
// console module depends on no node internals, only on what it is handed here.
import type { NodeConfig } from './common/index.js';
import type { ConsoleNode } from './console/index.js';
import type { CredentialSource, ListenerIdentity, RequestDispatcher } from './kafka/index.js';
import type { RaftMetadataLog } from './metadata/index.js';
import type { NodeMetrics } from './node-metrics.js';
import type { ReplicaManager } from './replication/index.js';

export function consoleNode(parts: {
  config: NodeConfig;
  metadata: RaftMetadataLog;
  replicas: ReplicaManager;
  dispatcher: RequestDispatcher;
  listeners: readonly ListenerIdentity[];
  credentials: CredentialSource;
  metrics: NodeMetrics;
}): ConsoleNode {
  const { config, metadata, replicas } = parts;
  const listener = parts.listeners[0];
  if (listener === undefined) throw new Error('the node has no Kafka listener');
  return {
    nodeId: config.nodeId,
    clusterId: config.clusterId,
    dispatcher: parts.dispatcher,
    listener,
    authRequired: parts.listeners.some((l) => l.authenticatesClients),
    credentials: parts.credentials,
    raft: () => {
      const raft = metadata.status();
      return {
        role: raft.role,
        term: raft.term,
        commitIndex: raft.commit,
        appliedIndex: raft.applied,
        leaderId: raft.leaderId === 0 ? -1 : raft.leaderId,
      };
    },
    brokers: () =>
      metadata.state.brokers.map((b) => {
        const endpoint = b.endpoints.find((e) => e.listener === listener.name);
        return {
          nodeId: b.nodeId,
          address: endpoint ? { host: endpoint.host, port: endpoint.port } : null,
          fenced: b.fenced,
        };
      }),
    replicas: () =>
      replicas.status().map((s) => ({
        topic: s.topic,
        partition: s.partition,
        role: s.role,
        highWatermark: s.highWatermark,
        logEndOffset: s.logEndOffset,
        logStartOffset: s.logStartOffset,
        sizeBytes: replicas.replica(s.topic, s.partition)?.log.sizeBytes ?? 0,
      })),
    traffic: () => parts.metrics.traffic.snapshot(),
  };
}
