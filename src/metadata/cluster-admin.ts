// Admin operations as every node serves them: decided by the controller (here or over gRPC),
// then answered only once this node has applied the change too, so a client that creates a topic
// through one node sees it in the Metadata of that node at once.
import type { AclBinding, AclBindingFilter } from './acl-model.js';
import type { ControlClient } from './control-client.js';
import type { ElectionType, PartitionElectionResult } from './control-service.js';
import type { CreateTopicSpec, ReassignmentRequest, ReassignmentResult } from './controller.js';
import type { MetadataLog } from './log.js';
import type { AclDeletionResult, ItemResult, QuotaAlteration, QuotaAlterationResult } from './security-plans.js';
import type { ScramAlterResult, ScramDeletion, ScramUpsertion } from './scram-users.js';
import type { TopicInfo } from './state.js';

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
  /** One result per ACL, in order. */
  createAcls(acls: readonly AclBinding[]): Promise<ItemResult[]>;
  /** One result per filter, in order, with the ACLs it removed. */
  deleteAcls(filters: readonly AclBindingFilter[]): Promise<AclDeletionResult[]>;
  /** One result per entity, in order. */
  alterClientQuotas(alterations: readonly QuotaAlteration[], validateOnly: boolean): Promise<QuotaAlterationResult[]>;
  /** SCRAM credential changes, answered per user; `createOnly` keeps existing credentials. */
  alterScramCredentials(
    deletions: readonly ScramDeletion[],
    upsertions: readonly ScramUpsertion[],
    createOnly: boolean,
  ): Promise<ScramAlterResult[]>;
  /** ElectLeaders: one result per named partition (for null, per partition whose leader changed or failed to). */
  electLeaders(
    type: ElectionType,
    partitions: readonly { topic: string; partition: number }[] | null,
  ): Promise<PartitionElectionResult[]>;
  /** AlterPartitionReassignments: one result per partition, in order. */
  alterReassignments(requests: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]>;
  /** Marks a broker decommissioned (no new replicas go there). */
  decommissionBroker(nodeId: number): Promise<void>;
  /** AddRaftVoter: promotes a learner once caught up (waiting up to `timeoutMs` for that). */
  addRaftVoter(voterId: number, timeoutMs: number): Promise<void>;
  /** RemoveRaftVoter: the voter leaves the quorum (a live broker stays on as a learner). */
  removeRaftVoter(voterId: number): Promise<void>;
}

const ADMIN_TIMEOUT_MS = 10_000;
/** A voter change waits for the learner to catch up, then for the change to commit. */
const VOTER_CHANGE_TIMEOUT_MS_MAX = 120_000;

export class ClusterAdmin implements AdminOperations {
  constructor(
    private readonly clusterId: string,
    private readonly client: ControlClient,
    private readonly metadata: MetadataLog,
    /** Waits until local replicas reacted to applied metadata (logs opened or removed). */
    private readonly settled: () => Promise<void>,
  ) {}

  private async run<T>(operation: string, args: Record<string, unknown>, timeoutMs = ADMIN_TIMEOUT_MS): Promise<T> {
    const result = await this.client.call<T>(
      'Admin',
      { clusterId: this.clusterId, operation, argumentsJson: JSON.stringify(args) },
      timeoutMs,
    );
    await this.metadata.barrier();
    await this.settled();
    return result;
  }

  async createTopic(
    spec: Parameters<AdminOperations['createTopic']>[0],
    validateOnly: boolean,
  ): Promise<TopicInfo | null> {
    const created = await this.run<TopicInfo | null>('createTopic', { spec, validateOnly });
    if (!created) return null;
    return this.metadata.state.topic(created.name) ?? created;
  }

  async deleteTopic(name: string): Promise<void> {
    await this.run('deleteTopic', { name });
  }

  async createPartitions(
    name: string,
    totalCount: number,
    assignments: readonly (readonly number[])[] | undefined,
    validateOnly: boolean,
  ): Promise<void> {
    await this.run('createPartitions', { name, totalCount, assignments, validateOnly });
  }

  async alterTopicConfig(
    name: string,
    configs: Readonly<Record<string, string>>,
    validateOnly: boolean,
  ): Promise<void> {
    await this.run('alterTopicConfig', { name, configs, validateOnly });
  }

  createAcls(acls: readonly AclBinding[]): Promise<ItemResult[]> {
    return this.run('createAcls', { acls });
  }

  deleteAcls(filters: readonly AclBindingFilter[]): Promise<AclDeletionResult[]> {
    return this.run('deleteAcls', { filters });
  }

  alterClientQuotas(alterations: readonly QuotaAlteration[], validateOnly: boolean): Promise<QuotaAlterationResult[]> {
    return this.run('alterClientQuotas', { alterations, validateOnly });
  }

  alterScramCredentials(
    deletions: readonly ScramDeletion[],
    upsertions: readonly ScramUpsertion[],
    createOnly: boolean,
  ): Promise<ScramAlterResult[]> {
    return this.run('alterScramCredentials', { deletions, upsertions, createOnly });
  }

  electLeaders(
    type: ElectionType,
    partitions: readonly { topic: string; partition: number }[] | null,
  ): Promise<PartitionElectionResult[]> {
    return this.run('electLeaders', { type, partitions });
  }

  alterReassignments(requests: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]> {
    return this.run('alterReassignments', { requests });
  }

  async decommissionBroker(nodeId: number): Promise<void> {
    await this.run('decommissionBroker', { nodeId });
  }

  async addRaftVoter(voterId: number, timeoutMs: number): Promise<void> {
    const waitMs = Math.min(Math.max(timeoutMs, 0), VOTER_CHANGE_TIMEOUT_MS_MAX);
    await this.run('addRaftVoter', { voterId, timeoutMs: waitMs }, waitMs + ADMIN_TIMEOUT_MS);
  }

  async removeRaftVoter(voterId: number): Promise<void> {
    await this.run('removeRaftVoter', { voterId });
  }

  /** Reserves a block of producer ids for `nodeId` through the controller. */
  allocateProducerIds(nodeId: number): Promise<{ first: number; count: number }> {
    return this.client.call(
      'Admin',
      { clusterId: this.clusterId, operation: 'allocateProducerIds', argumentsJson: JSON.stringify({ nodeId }) },
      ADMIN_TIMEOUT_MS,
    );
  }
}
