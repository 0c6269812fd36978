// What the Kafka handlers may use of the node. Handlers depend on this interface, never on how the
// node wires its parts, so a single node and a cluster node serve the same handlers.
import type { NodeConfig } from '../common/settings/index.js';
import type { GroupCoordinator } from '../groups/index.js';
import type { Logger } from '../common/log.js';
import type { CreateTopicSpec } from '../metadata/controller.js';
import type { MetadataLog } from '../metadata/log.js';
import type { ProducerIdAllocator } from '../metadata/producer-ids.js';
import type { TopicInfo } from '../metadata/state.js';
import type { ReplicaManager } from '../replication/replica-manager.js';

/** Admin operations; answered once the change is committed in the metadata log. */
export interface AdminOperations {
  createTopic(spec: CreateTopicSpec, validateOnly: boolean): Promise<TopicInfo | null>;
  deleteTopic(name: string): Promise<void>;
  createPartitions(
    name: string,
    totalCount: number,
    assignments: readonly (readonly number[])[] | undefined,
    validateOnly: boolean,
  ): Promise<void>;
  alterTopicConfig(name: string, configs: Readonly<Record<string, string>>, validateOnly: boolean): Promise<void>;
}

export interface BrokerContext {
  readonly config: NodeConfig;
  readonly metadata: MetadataLog;
  readonly admin: AdminOperations;
  readonly replicas: ReplicaManager;
  readonly producerIds: ProducerIdAllocator;
  /** The consumer group coordinator for the __consumer_offsets partitions this node leads. */
  readonly groups: GroupCoordinator;
  readonly log: Logger;
  /** The node that coordinates a consumer group. */
  coordinatorFor(groupId: string): number;
  /** The API ranges this node serves (for ApiVersions). */
  supportedApis(): readonly { apiKey: number; minVersion: number; maxVersion: number }[];
}
