// Administrative calls on a cluster, as Kafka's Admin client makes them: topics (create, delete,
// add partitions, configs), offsets (earliest, latest, by time), consumer groups (list, describe,
// committed offsets, commit from outside the group, delete) and the metadata quorum. Each call
// goes to the broker Kafka sends it to — any broker for topic admin (Brook forwards it to the
// controller), the partition's leader for offsets, the group's coordinator for groups, the
// controller for the quorum — and is retried on what is retriable until its time is up.
import { ErrorCode, ZERO_UUID } from '../common/index.js';
import { decodeConsumerAssignment } from '../groups/index.js';
import {
  ConfigOperation,
  ConfigResourceType,
  ConfigSource,
  type CreatePartitionsResponse,
  type CreateTopicsResponse,
  type DeleteGroupsResponse,
  type DeleteTopicsResponse,
  type ElectLeadersResponse,
  type DescribeConfigsResponse,
  type DescribeGroupsResponse,
  type DescribeQuorumResponse,
  type AddRaftVoterResponse,
  type RemoveRaftVoterResponse,
  type IncrementalAlterConfigsResponse,
  type ListGroupsResponse,
  type ListOffsetsResponse,
  METADATA_TOPIC,
  type OffsetCommitResponse,
  type OffsetFetchResponse,
} from '../kafka/index.js';
import { Api } from './api-versions.js';
import type { KafkaClient, TopicMetadata } from './client.js';
import { brokerError, check, ClientError } from './errors.js';

export interface NewTopic {
  readonly name: string;
  /** -1: the broker's default. */
  readonly partitions: number;
  /** -1: the broker's default. */
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

export type ConfigSourceName = 'topic' | 'broker' | 'default' | 'other';

export interface ConfigEntry {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSourceName;
  readonly readOnly: boolean;
  readonly sensitive: boolean;
}

/** Where to look an offset up: the log start, the high watermark, or the first record at a time. */
export type OffsetSpec = 'earliest' | 'latest' | { readonly timestampMs: number };

export interface PartitionOffset {
  readonly partition: number;
  /** -1 when no record is at or after the asked-for time. */
  readonly offset: number;
  readonly timestamp: number;
}

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface GroupListing {
  readonly groupId: string;
  readonly protocolType: string;
  readonly state: string;
  readonly coordinatorId: number;
}

export interface GroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** Decoded for consumer groups while the group is Stable; empty otherwise. */
  readonly assignment: readonly TopicPartitions[];
}

export interface GroupDescription {
  readonly groupId: string;
  readonly state: string;
  readonly protocolType: string;
  readonly protocol: string;
  readonly members: readonly GroupMember[];
}

export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly metadata: string | null;
}

export interface QuorumVoter {
  readonly nodeId: number;
  /** -1 when unknown. */
  readonly logEndOffset: number;
}

export interface QuorumDescription {
  readonly leaderId: number;
  readonly term: number;
  /** The Raft commit index. */
  readonly highWatermark: number;
  readonly voters: readonly QuorumVoter[];
  /** Brokers that follow the log without voting (Raft learners). */
  readonly observers: readonly QuorumVoter[];
}

const LATEST = -1;
const EARLIEST = -2;
const TIMEOUT_MS = 30_000;

function sourceName(source: number): ConfigSourceName {
  if (source === ConfigSource.dynamicTopic) return 'topic';
  if (source === ConfigSource.staticBroker || source === ConfigSource.dynamicBroker) return 'broker';
  if (source === ConfigSource.default) return 'default';
  return 'other';
}

export class Admin {
  constructor(private readonly client: KafkaClient) {}

  /** Every topic, internal ones (`__consumer_offsets`) only when asked. */
  async listTopics(includeInternal = false): Promise<TopicMetadata[]> {
    const { topics } = await this.client.retrying(() => this.client.metadata(null));
    return topics.filter((t) => includeInternal || !t.isInternal).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One topic; UNKNOWN_TOPIC_OR_PARTITION when it does not exist. */
  describeTopic(name: string): Promise<TopicMetadata> {
    return this.client.retrying(() => this.client.topic(name));
  }

  async createTopic(topic: NewTopic, validateOnly = false): Promise<void> {
    await this.client.retrying(async () => {
      const answer = await (
        await this.client.any()
      ).send<CreateTopicsResponse>(Api.CreateTopics, {
        topics: [
          {
            name: topic.name,
            numPartitions: topic.partitions,
            replicationFactor: topic.replicationFactor,
            assignments: [],
            configs: Object.entries(topic.configs).map(([name, value]) => ({ name, value })),
          },
        ],
        timeoutMs: TIMEOUT_MS,
        validateOnly,
      });
      const result = answer.topics.find((t) => t.name === topic.name);
      if (!result) throw new ClientError(`topic ${topic.name}: not in the broker's answer`);
      check(result.errorCode, `create topic ${topic.name}`, result.errorMessage);
    });
  }

  async deleteTopic(name: string): Promise<void> {
    await this.client.retrying(async () => {
      const answer = await (
        await this.client.any()
      ).send<DeleteTopicsResponse>(Api.DeleteTopics, { topicNames: [name], timeoutMs: TIMEOUT_MS });
      const result = answer.responses.find((r) => r.name === name);
      if (!result) throw new ClientError(`topic ${name}: not in the broker's answer`);
      check(result.errorCode, `delete topic ${name}`, result.errorMessage);
    });
  }

  /** Raises `name` to `count` partitions in all. */
  async addPartitions(name: string, count: number, validateOnly = false): Promise<void> {
    await this.client.retrying(async () => {
      const answer = await (
        await this.client.any()
      ).send<CreatePartitionsResponse>(Api.CreatePartitions, {
        topics: [{ name, count, assignments: null }],
        timeoutMs: TIMEOUT_MS,
        validateOnly,
      });
      const result = answer.results.find((r) => r.name === name);
      if (!result) throw new ClientError(`topic ${name}: not in the broker's answer`);
      check(result.errorCode, `add partitions to ${name}`, result.errorMessage);
    });
  }

  /**
   * ElectLeaders: a preferred election gives each partition's leadership to its first replica; an
   * unclean one elects any live replica of a partition without a leader (and may lose acknowledged
   * writes). `partitions` null: every partition. One result per partition, its error code 0 when done.
   */
  async electLeaders(
    type: 'preferred' | 'unclean',
    partitions: readonly { topic: string; partition: number }[] | null,
  ): Promise<{ topic: string; partition: number; errorCode: number; errorMessage: string | null }[]> {
    const byTopic = new Map<string, number[]>();
    for (const p of partitions ?? []) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    return this.client.retrying(async () => {
      const answer = await (
        await this.client.any()
      ).send<ElectLeadersResponse>(Api.ElectLeaders, {
        electionType: type === 'preferred' ? 0 : 1,
        topicPartitions: partitions === null ? null : [...byTopic].map(([topic, ids]) => ({ topic, partitions: ids })),
        timeoutMs: TIMEOUT_MS,
      });
      check(answer.errorCode, 'elect leaders');
      return answer.replicaElectionResults.flatMap((t) =>
        t.partitionResult.map((r) => ({
          topic: t.topic,
          partition: r.partitionId,
          errorCode: r.errorCode,
          errorMessage: r.errorMessage,
        })),
      );
    });
  }

  /** A topic's configs, every key, each with where its value comes from. */
  topicConfigs(name: string): Promise<ConfigEntry[]> {
    return this.client.retrying(async () =>
      this.describeConfigs(await this.client.any(), ConfigResourceType.topic, name),
    );
  }

  /** A broker's settings, asked of that broker (they differ per node). */
  brokerConfigs(nodeId: number, keys: readonly string[] | null = null): Promise<ConfigEntry[]> {
    return this.client.retrying(async () =>
      this.describeConfigs(await this.client.node(nodeId), ConfigResourceType.broker, String(nodeId), keys),
    );
  }

  private async describeConfigs(
    connection: Awaited<ReturnType<KafkaClient['any']>>,
    resourceType: number,
    resourceName: string,
    keys: readonly string[] | null = null,
  ): Promise<ConfigEntry[]> {
    const answer = await connection.send<DescribeConfigsResponse>(Api.DescribeConfigs, {
      resources: [{ resourceType, resourceName, configurationKeys: keys }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    const result = answer.results[0];
    if (!result) throw new ClientError(`configs of ${resourceName}: not in the broker's answer`);
    check(result.errorCode, `configs of ${resourceName}`, result.errorMessage);
    return result.configs.map((c) => ({
      name: c.name,
      value: c.value,
      source: sourceName(c.configSource),
      readOnly: c.readOnly,
      sensitive: c.isSensitive,
    }));
  }

  /** Sets and removes topic configs (IncrementalAlterConfigs); a removed one falls back to the broker's. */
  async alterTopicConfigs(
    name: string,
    set: Readonly<Record<string, string>>,
    remove: readonly string[] = [],
    validateOnly = false,
  ): Promise<void> {
    await this.client.retrying(async () => {
      const answer = await (
        await this.client.any()
      ).send<IncrementalAlterConfigsResponse>(Api.IncrementalAlterConfigs, {
        resources: [
          {
            resourceType: ConfigResourceType.topic,
            resourceName: name,
            configs: [
              ...Object.entries(set).map(([key, value]) => ({
                name: key,
                configOperation: ConfigOperation.set,
                value,
              })),
              ...remove.map((key) => ({ name: key, configOperation: ConfigOperation.delete, value: null })),
            ],
          },
        ],
        validateOnly,
      });
      const result = answer.responses[0];
      if (!result) throw new ClientError(`configs of ${name}: not in the broker's answer`);
      check(result.errorCode, `alter configs of ${name}`, result.errorMessage);
    });
  }

  /** Offsets of `partitions` of `topic` by `spec`, each asked of its leader. */
  async listOffsets(topic: string, partitions: readonly number[], spec: OffsetSpec): Promise<PartitionOffset[]> {
    const timestamp = spec === 'latest' ? LATEST : spec === 'earliest' ? EARLIEST : spec.timestampMs;
    return this.client.retrying(async () => {
      const metadata = await this.client.topic(topic);
      const byLeader = new Map<number, number[]>();
      for (const partition of partitions) {
        const p = metadata.partitions.find((m) => m.partition === partition);
        if (!p)
          throw new ClientError(`topic ${topic} has no partition ${partition}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (p.leaderId < 0) throw brokerError(ErrorCode.LEADER_NOT_AVAILABLE, `${topic}-${partition}`);
        byLeader.set(p.leaderId, [...(byLeader.get(p.leaderId) ?? []), partition]);
      }
      const answers = await Promise.all(
        [...byLeader].map(async ([leaderId, ids]) => {
          const answer = await (
            await this.client.node(leaderId)
          ).send<ListOffsetsResponse>(Api.ListOffsets, {
            replicaId: -1,
            isolationLevel: 0,
            topics: [
              { name: topic, partitions: ids.map((id) => ({ partitionIndex: id, currentLeaderEpoch: -1, timestamp })) },
            ],
          });
          return answer.topics.flatMap((t) => t.partitions);
        }),
      );
      return answers
        .flat()
        .map((p) => {
          check(p.errorCode, `offsets of ${topic}-${p.partitionIndex}`);
          return { partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp };
        })
        .sort((a, b) => a.partition - b.partition);
    });
  }

  /** Every group, asked of every broker (each lists the groups it coordinates). */
  async listGroups(): Promise<GroupListing[]> {
    return this.client.retrying(async () => {
      await this.client.metadata([]);
      const lists = await Promise.all(
        this.client.knownBrokers.map(async (broker) => {
          const answer = await (
            await this.client.connectTo(broker)
          ).send<ListGroupsResponse>(Api.ListGroups, {
            statesFilter: [],
          });
          check(answer.errorCode, `groups of broker ${broker.nodeId}`);
          return answer.groups.map((g) => ({
            groupId: g.groupId,
            protocolType: g.protocolType,
            state: g.groupState,
            coordinatorId: broker.nodeId,
          }));
        }),
      );
      return lists.flat().sort((a, b) => a.groupId.localeCompare(b.groupId));
    });
  }

  /** A group's state and members; a group nobody knows is Dead with no members, as in Kafka. */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    return this.client.retrying(async () => {
      const answer = await (
        await this.client.coordinator(groupId)
      ).send<DescribeGroupsResponse>(Api.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false });
      const group = answer.groups[0];
      if (!group) throw new ClientError(`group ${groupId}: not in the broker's answer`);
      check(group.errorCode, `group ${groupId}`);
      return {
        groupId,
        state: group.groupState,
        protocolType: group.protocolType,
        protocol: group.protocolData,
        members: group.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          assignment: assignmentOf(group.protocolType, m.memberAssignment),
        })),
      };
    });
  }

  /** The offsets a group has committed, every topic. */
  async committedOffsets(groupId: string): Promise<CommittedOffset[]> {
    return this.client.retrying(async () => {
      const answer = await (
        await this.client.coordinator(groupId)
      ).send<OffsetFetchResponse>(Api.OffsetFetch, { groupId, topics: null, requireStable: false });
      check(answer.errorCode, `offsets of group ${groupId}`);
      return answer.topics
        .flatMap((t) =>
          t.partitions.map((p) => {
            check(p.errorCode, `offset of group ${groupId} on ${t.name}-${p.partitionIndex}`);
            return { topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata };
          }),
        )
        .filter((o) => o.offset >= 0)
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    });
  }

  /**
   * Commits offsets for a group from outside it (generation -1, no member), as kafka-consumer-groups.sh
   * does to reset them; the coordinator accepts it only while the group has no members.
   */
  async commitOffsets(groupId: string, offsets: readonly CommittedOffset[]): Promise<void> {
    const topics = [...new Set(offsets.map((o) => o.topic))].map((name) => ({
      name,
      partitions: offsets
        .filter((o) => o.topic === name)
        .map((o) => ({
          partitionIndex: o.partition,
          committedOffset: o.offset,
          committedLeaderEpoch: -1,
          committedMetadata: o.metadata,
        })),
    }));
    await this.client.retrying(async () => {
      const answer = await (
        await this.client.coordinator(groupId)
      ).send<OffsetCommitResponse>(Api.OffsetCommit, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics,
      });
      for (const t of answer.topics) {
        for (const p of t.partitions)
          check(p.errorCode, `commit for group ${groupId} on ${t.name}-${p.partitionIndex}`);
      }
    });
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.client.retrying(async () => {
      const answer = await (
        await this.client.coordinator(groupId)
      ).send<DeleteGroupsResponse>(Api.DeleteGroups, { groupsNames: [groupId] });
      const result = answer.results[0];
      if (!result) throw new ClientError(`group ${groupId}: not in the broker's answer`);
      check(result.errorCode, `delete group ${groupId}`);
    });
  }

  /** The metadata Raft quorum, from its leader (the controller). */
  async describeQuorum(): Promise<QuorumDescription> {
    return this.client.retrying(async () => {
      const answer = await (
        await this.client.controller()
      ).send<DescribeQuorumResponse>(Api.DescribeQuorum, {
        topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0 }] }],
      });
      check(answer.errorCode, 'metadata quorum', answer.errorMessage);
      const partition = answer.topics[0]?.partitions[0];
      if (!partition) throw new ClientError('metadata quorum: not in the broker answer');
      check(partition.errorCode, 'metadata quorum', partition.errorMessage);
      return {
        leaderId: partition.leaderId,
        term: partition.leaderEpoch,
        highWatermark: partition.highWatermark,
        voters: partition.currentVoters.map((v) => ({ nodeId: v.replicaId, logEndOffset: v.logEndOffset })),
        observers: partition.observers.map((v) => ({ nodeId: v.replicaId, logEndOffset: v.logEndOffset })),
      };
    });
  }

  /**
   * AddRaftVoter: makes broker `voterId` (a learner of the metadata log) a voter once it has
   * caught up, waiting up to `timeoutMs` for that. Retried while another voter change is pending.
   */
  async addRaftVoter(voterId: number, timeoutMs = TIMEOUT_MS): Promise<void> {
    await this.client.retrying(async () => {
      const answer = await (
        await this.client.any()
      ).send<AddRaftVoterResponse>(Api.AddRaftVoter, {
        clusterId: null,
        timeoutMs,
        voterId,
        voterDirectoryId: ZERO_UUID,
        listeners: [],
        ackWhenCommitted: true,
      });
      check(answer.errorCode, `add voter ${voterId}`, answer.errorMessage);
    }, timeoutMs + TIMEOUT_MS);
  }

  /** RemoveRaftVoter: takes `voterId` out of the voters (a live broker goes on as a learner). */
  async removeRaftVoter(voterId: number): Promise<void> {
    await this.client.retrying(async () => {
      const answer = await (
        await this.client.any()
      ).send<RemoveRaftVoterResponse>(Api.RemoveRaftVoter, {
        clusterId: null,
        voterId,
        voterDirectoryId: ZERO_UUID,
      });
      check(answer.errorCode, `remove voter ${voterId}`, answer.errorMessage);
    });
  }
}

function assignmentOf(protocolType: string, bytes: Buffer): TopicPartitions[] {
  if (protocolType !== 'consumer' || bytes.length === 0) return [];
  try {
    return decodeConsumerAssignment(bytes).assignedPartitions.map((a) => ({
      topic: a.topic,
      partitions: [...a.partitions].sort((x, y) => x - y),
    }));
  } catch {
    return [];
  }
}
