// The controller decides and the metadata log records: topic creation with replica placement,
// deletion, partition growth, config changes and producer-id blocks. It runs on whichever node
// leads the metadata log; admin requests reaching other nodes are forwarded to it.
import { randomUUID } from 'node:crypto';
import { ErrorCode, KafkaError, limits, parseTopicConfigs, resolveQuorums } from '../common/index.js';
import type { AclBinding, AclBindingFilter } from './acl-model.js';
import type { BrokerLiveness } from './broker-heartbeats.js';
import type { MetadataLog } from './log.js';
import { copysets, placeOnCopysets, placeReplicas, rackAlternated } from './placement.js';
import type { MetadataRecord, PartitionAssignment } from './records.js';
import {
  type AclDeletionResult,
  type ItemResult,
  type Plan,
  planAclCreation,
  planAclDeletion,
  planClientQuotas,
  type QuotaAlteration,
  type QuotaAlterationResult,
} from './security-plans.js';
import { planScramChanges, type ScramAlterResult, type ScramDeletion, type ScramUpsertion } from './scram-users.js';
import type { TopicInfo } from './state.js';

export interface CreateTopicSpec {
  readonly name: string;
  /** -1: the broker default. */
  readonly numPartitions: number;
  /** -1: the broker default. */
  readonly replicationFactor: number;
  /** Explicit placement: partition index → replica node ids (leader first). */
  readonly assignments?: readonly (readonly number[])[];
  readonly configs: Readonly<Record<string, string>>;
}

/** One partition of an AlterPartitionReassignments request: the target, or null to cancel. */
export interface ReassignmentRequest {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[] | null;
}

export interface ReassignmentResult extends ReassignmentRequest {
  readonly errorCode: ErrorCode;
  readonly message: string | null;
}

export interface ControllerDefaults {
  readonly defaultPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly replicaPlacementPolicy: 'rack-aware' | 'copyset';
  readonly replicaPlacementScatterWidth: number;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
const PRODUCER_ID_BLOCK = 1000;

export function validateTopicName(name: string): void {
  if (
    name.length === 0 ||
    name.length > limits.topicNameLengthMax ||
    name === '.' ||
    name === '..' ||
    !TOPIC_NAME.test(name)
  ) {
    throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `invalid topic name '${name}'`);
  }
}

export class Controller {
  /** Rotates the first replica so leaders spread evenly across brokers. */
  private placementCursor = 0;
  /**
   * Decisions run one at a time: each is validated against the state after the previous one
   * applied, so two concurrent requests can never both create the same topic.
   */
  private decisions: Promise<unknown> = Promise.resolve();

  private decide<T>(decision: () => Promise<T>): Promise<T> {
    const run = this.decisions.then(decision, decision);
    this.decisions = run.catch(() => undefined);
    return run;
  }

  constructor(
    private readonly metadata: MetadataLog,
    private readonly defaults: ControllerDefaults,
    /** Placement uses only brokers the controller hears from (not merely unfenced ones). */
    private readonly liveness: BrokerLiveness,
  ) {}

  /** Validates a topic creation and returns the record that would create it (validateOnly uses this). */
  planTopic(spec: CreateTopicSpec): MetadataRecord & { type: 'CreateTopic' } {
    validateTopicName(spec.name);
    if (this.metadata.state.topic(spec.name)) {
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic '${spec.name}' already exists`);
    }
    // Refused here, before anything is proposed: a committed config every replica must be able to apply.
    const { overrides, canonical } = parseTopicConfigs(spec.configs);
    let partitions: PartitionAssignment[];
    if (spec.assignments && spec.assignments.length > 0) {
      if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
        throw new KafkaError(
          ErrorCode.INVALID_REQUEST,
          'give either replica assignments or partition count and replication factor',
        );
      }
      partitions = spec.assignments.map((replicas, partition) => this.explicitAssignment(partition, replicas));
    } else {
      const count = spec.numPartitions === -1 ? this.defaults.defaultPartitions : spec.numPartitions;
      const factor = spec.replicationFactor === -1 ? this.defaults.defaultReplicationFactor : spec.replicationFactor;
      if (count < 1 || count > limits.partitionsPerTopicMax) {
        throw new KafkaError(
          ErrorCode.INVALID_PARTITIONS,
          `partition count ${count} must be in [1, ${limits.partitionsPerTopicMax}]`,
        );
      }
      partitions = this.place(0, count, factor);
    }
    resolveQuorums(partitions[0]!.replicas.length, overrides);
    return { type: 'CreateTopic', name: spec.name, topicId: randomUUID(), configs: canonical, partitions };
  }

  createTopic(spec: CreateTopicSpec): Promise<TopicInfo> {
    return this.decide(() => this.createTopicNow(spec));
  }

  private async createTopicNow(spec: CreateTopicSpec): Promise<TopicInfo> {
    await this.liveness.freshView();
    const record = this.planTopic(spec);
    await this.metadata.propose([record]);
    const topic = this.metadata.state.topic(spec.name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `topic ${spec.name} vanished after creation`);
    return topic;
  }

  deleteTopic(name: string): Promise<void> {
    return this.decide(() => this.deleteTopicNow(name));
  }

  private async deleteTopicNow(name: string): Promise<void> {
    const topic = this.metadata.state.topic(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic '${name}'`);
    if (name.startsWith('__'))
      throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `internal topic '${name}' cannot be deleted`);
    await this.metadata.propose([{ type: 'DeleteTopic', topicId: topic.topicId }]);
  }

  planPartitions(
    name: string,
    totalCount: number,
    assignments?: readonly (readonly number[])[],
  ): MetadataRecord | null {
    const topic = this.metadata.state.topic(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic '${name}'`);
    const current = topic.partitions.length;
    if (totalCount < current) {
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `topic '${name}' has ${current} partitions; it cannot shrink to ${totalCount}`,
      );
    }
    if (totalCount === current) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `topic '${name}' already has ${current} partitions`);
    }
    if (totalCount > limits.partitionsPerTopicMax) {
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `partition count ${totalCount} exceeds ${limits.partitionsPerTopicMax}`,
      );
    }
    const factor = topic.partitions[0]!.replicas.length;
    let partitions: PartitionAssignment[];
    if (assignments && assignments.length > 0) {
      if (assignments.length !== totalCount - current) {
        throw new KafkaError(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `expected ${totalCount - current} assignments, got ${assignments.length}`,
        );
      }
      partitions = assignments.map((replicas, i) => {
        if (replicas.length !== factor) {
          throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `assignment must have ${factor} replicas`);
        }
        return this.explicitAssignment(current + i, replicas);
      });
    } else {
      partitions = this.place(current, totalCount - current, factor);
    }
    return { type: 'CreatePartitions', topicId: topic.topicId, partitions };
  }

  createPartitions(name: string, totalCount: number, assignments?: readonly (readonly number[])[]): Promise<void> {
    return this.decide(async () => {
      await this.liveness.freshView();
      const record = this.planPartitions(name, totalCount, assignments);
      if (record) await this.metadata.propose([record]);
    });
  }

  planTopicConfig(name: string, configs: Readonly<Record<string, string>>): MetadataRecord {
    const topic = this.metadata.state.topic(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic '${name}'`);
    const { overrides, canonical } = parseTopicConfigs(configs);
    resolveQuorums(topic.partitions[0]!.replicas.length, overrides);
    return { type: 'AlterTopicConfig', topicId: topic.topicId, configs: canonical };
  }

  alterTopicConfig(name: string, configs: Readonly<Record<string, string>>): Promise<void> {
    return this.decide(() => this.metadata.propose([this.planTopicConfig(name, configs)]));
  }

  /**
   * Applies SCRAM credential changes (AlterUserScramCredentials, bootstrap users with
   * `createOnly`); the users whose changes all passed the checks are written in one entry.
   */
  alterScramCredentials(
    deletions: readonly ScramDeletion[],
    upsertions: readonly ScramUpsertion[],
    createOnly: boolean,
  ): Promise<ScramAlterResult[]> {
    return this.decide(async () => {
      const plan = planScramChanges(this.metadata.state.scramUsers, deletions, upsertions, createOnly);
      if (plan.records.length > 0) await this.metadata.propose(plan.records);
      return plan.results;
    });
  }

  /** Reserves a block of producer ids for `nodeId`; returns the first id of the block. */
  allocateProducerIds(nodeId: number): Promise<{ first: number; count: number }> {
    return this.decide(async () => {
      const first = this.metadata.state.nextProducerId;
      await this.metadata.propose([
        { type: 'AllocateProducerIds', nodeId, firstProducerId: first, count: PRODUCER_ID_BLOCK },
      ]);
      if (this.metadata.state.nextProducerId !== first + PRODUCER_ID_BLOCK) {
        throw new KafkaError(ErrorCode.NOT_CONTROLLER, 'producer id block was not applied; retry');
      }
      return { first, count: PRODUCER_ID_BLOCK };
    });
  }

  /** CreateAcls: one result per ACL; the new ones are committed together. */
  createAcls(acls: readonly AclBinding[]): Promise<ItemResult[]> {
    return this.decide(() => this.commit(planAclCreation(this.metadata.state, acls)));
  }

  /** DeleteAcls: one result per filter, with the ACLs it matched; all of them removed together. */
  deleteAcls(filters: readonly AclBindingFilter[]): Promise<AclDeletionResult[]> {
    return this.decide(() => this.commit(planAclDeletion(this.metadata.state, filters)));
  }

  /** AlterClientQuotas: one result per entity; validateOnly checks without committing. */
  alterClientQuotas(alterations: readonly QuotaAlteration[], validateOnly: boolean): Promise<QuotaAlterationResult[]> {
    return this.decide(async () => {
      const plan = planClientQuotas(this.metadata.state, alterations);
      return validateOnly ? plan.results : this.commit(plan);
    });
  }

  private async commit<R>(plan: Plan<R>): Promise<R[]> {
    await this.metadata.propose(plan.records);
    return plan.results;
  }

  /** Live brokers placement may use: decommissioned ones take no new replicas. */
  private liveBrokerIds(): number[] {
    return this.liveness.liveBrokerIds().filter((id) => this.metadata.state.broker(id)?.decommissioned !== true);
  }

  /**
   * AlterPartitionReassignments: per partition, a target to move to (reassignment.ts) or null to
   * cancel the move under way. Checked against the state, then committed together.
   */
  alterReassignments(requests: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]> {
    return this.decide(async () => {
      const records: MetadataRecord[] = [];
      const results = requests.map((r): ReassignmentResult => {
        try {
          records.push(this.planReassignment(r));
          return { ...r, errorCode: ErrorCode.NONE, message: null };
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
          return { ...r, errorCode: err.code, message: err.message };
        }
      });
      if (records.length > 0) await this.metadata.propose(records);
      return results;
    });
  }

  private planReassignment({ topic: name, partition, replicas }: ReassignmentRequest): MetadataRecord {
    const topic = this.metadata.state.topic(name);
    const current = topic?.partitions[partition];
    if (!topic || !current) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown ${name}-${partition}`);
    const record = { type: 'ReassignPartition', topicId: topic.topicId, partition } as const;
    if (replicas === null) {
      if (!current.targetReplicas) {
        throw new KafkaError(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, `${name}-${partition} is not being reassigned`);
      }
      return { ...record, targetReplicas: null };
    }
    const brokers = this.metadata.state;
    const unknown = replicas.filter((r) => brokers.broker(r) === undefined);
    if (replicas.length === 0 || new Set(replicas).size !== replicas.length || unknown.length > 0) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `bad replicas [${replicas.join(',')}] for ${name}-${partition}${unknown.length > 0 ? `: unknown brokers ${unknown.join(',')}` : ''}`,
      );
    }
    const added = replicas.filter((r) => !current.replicas.includes(r));
    const decommissioned = added.filter((r) => brokers.broker(r)?.decommissioned === true);
    if (decommissioned.length > 0) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `brokers ${decommissioned.join(',')} are decommissioned and take no replicas`,
      );
    }
    // The target's quorums must be valid for its size (W + R > N unless the topic allows otherwise).
    try {
      resolveQuorums(replicas.length, topic.settings);
    } catch (err) {
      throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, (err as Error).message);
    }
    return { ...record, targetReplicas: [...replicas] };
  }

  /** Marks a broker decommissioned: placement and rebalancing put no new replica there. */
  decommissionBroker(nodeId: number): Promise<void> {
    return this.decide(async () => {
      const broker = this.metadata.state.broker(nodeId);
      if (!broker) throw new KafkaError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${nodeId} is not registered`);
      if (broker.decommissioned !== true) await this.metadata.propose([{ type: 'DecommissionBroker', nodeId }]);
    });
  }

  private explicitAssignment(partition: number, replicas: readonly number[]): PartitionAssignment {
    const known = new Set(this.metadata.state.brokers.map((b) => b.nodeId));
    if (replicas.length === 0 || new Set(replicas).size !== replicas.length || replicas.some((r) => !known.has(r))) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `bad replica assignment [${replicas.join(',')}] for partition ${partition}`,
      );
    }
    return { partition, replicas: [...replicas], leader: replicas[0]!, leaderEpoch: 0 };
  }

  /**
   * Placement over live brokers (placement.ts): never two replicas of a partition on one node, on
   * distinct racks while there are racks to spare, leaders rotating across brokers and racks.
   */
  private place(firstPartition: number, count: number, factor: number): PartitionAssignment[] {
    const brokers = this.liveBrokerIds().map((nodeId) => ({
      nodeId,
      rack: this.metadata.state.broker(nodeId)?.rack ?? null,
    }));
    if (factor < 1 || factor > brokers.length) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `replication factor ${factor} must be in [1, ${brokers.length} live brokers]`,
      );
    }
    const ordered = rackAlternated(brokers);
    const sets =
      this.defaults.replicaPlacementPolicy === 'copyset'
        ? copysets(brokers, factor, this.defaults.replicaPlacementScatterWidth)
        : null;
    const out: PartitionAssignment[] = [];
    for (let i = 0; i < count; i++) {
      const cursor = this.placementCursor++;
      const replicas = sets === null ? placeReplicas(ordered, factor, cursor) : placeOnCopysets(sets, ordered, cursor);
      out.push({ partition: firstPartition + i, replicas, leader: replicas[0]!, leaderEpoch: 0 });
    }
    return out;
  }
}
