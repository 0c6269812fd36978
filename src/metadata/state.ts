// The replicated metadata state: a pure function of the records applied in order. Every node
// holds the same state after applying the same prefix of the metadata log.
import { assert, readTopicConfigs, type TopicOverrides, unreachable } from '../common/index.js';
import type { MetadataRecord, PartitionAssignment } from './records.js';

export interface BrokerInfo {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  readonly incarnation: string;
  readonly fenced: boolean;
}

export interface PartitionInfo {
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly leader: number;
  readonly leaderEpoch: number;
}

/** A topic as the metadata records describe it. */
export interface TopicRecordInfo {
  readonly name: string;
  readonly topicId: string;
  /** Its explicit configs as committed (canonical text). */
  readonly configs: Readonly<Record<string, string>>;
  readonly partitions: readonly PartitionInfo[];
}

export interface TopicInfo extends TopicRecordInfo {
  /** `configs` parsed once, when the record was applied: what storage and replication read. */
  readonly settings: TopicOverrides;
  /** Committed configs that today's rules refuse (an older Brook's), left out of `settings`. */
  readonly rejectedConfigs: readonly string[];
}

export interface MetadataSnapshot {
  readonly brokers: BrokerInfo[];
  readonly topics: TopicRecordInfo[];
  readonly nextProducerId: number;
}

/** The topic with its configs parsed. */
function withSettings(topic: TopicRecordInfo): TopicInfo {
  const { overrides, rejected } = readTopicConfigs(topic.configs);
  return {
    name: topic.name,
    topicId: topic.topicId,
    configs: topic.configs,
    partitions: topic.partitions,
    settings: overrides,
    rejectedConfigs: rejected,
  };
}

export type MetadataChange =
  | { readonly kind: 'topic-created'; readonly topic: TopicInfo }
  | { readonly kind: 'topic-deleted'; readonly topic: TopicInfo }
  | { readonly kind: 'partitions-changed'; readonly topic: TopicInfo; readonly partitions: readonly number[] }
  | { readonly kind: 'config-changed'; readonly topic: TopicInfo }
  | { readonly kind: 'brokers-changed' }
  /** A committed record that conflicts with the state (a deposed controller's late decision): it is
   * ignored the same way on every node, never half-applied. */
  | { readonly kind: 'ignored'; readonly reason: string };

export class MetadataState {
  private readonly brokersById = new Map<number, BrokerInfo>();
  private readonly topicsByName = new Map<string, TopicInfo>();
  private readonly topicsById = new Map<string, TopicInfo>();
  /** Next producer id not yet handed to any node; producer ids are never reused. */
  private nextProducerIdValue = 1000;

  get brokers(): readonly BrokerInfo[] {
    return [...this.brokersById.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  broker(nodeId: number): BrokerInfo | undefined {
    return this.brokersById.get(nodeId);
  }

  get topics(): readonly TopicInfo[] {
    return [...this.topicsByName.values()];
  }

  topic(name: string): TopicInfo | undefined {
    return this.topicsByName.get(name);
  }

  topicById(topicId: string): TopicInfo | undefined {
    return this.topicsById.get(topicId);
  }

  get nextProducerId(): number {
    return this.nextProducerIdValue;
  }

  /** Applies one committed record; returns what changed, for listeners. */
  apply(record: MetadataRecord): MetadataChange | null {
    switch (record.type) {
      case 'RegisterBroker': {
        this.brokersById.set(record.nodeId, {
          nodeId: record.nodeId,
          host: record.host,
          port: record.port,
          rack: record.rack,
          incarnation: record.incarnation,
          fenced: false,
        });
        return { kind: 'brokers-changed' };
      }
      case 'FenceBroker':
      case 'UnfenceBroker': {
        const broker = this.brokersById.get(record.nodeId);
        if (!broker) return null;
        this.brokersById.set(record.nodeId, { ...broker, fenced: record.type === 'FenceBroker' });
        return { kind: 'brokers-changed' };
      }
      case 'CreateTopic': {
        if (this.topicsByName.has(record.name) || this.topicsById.has(record.topicId)) {
          return { kind: 'ignored', reason: `topic ${record.name} already exists` };
        }
        const topic = withSettings({
          name: record.name,
          topicId: record.topicId,
          configs: { ...record.configs },
          partitions: record.partitions.map(toPartitionInfo),
        });
        this.putTopic(topic);
        return { kind: 'topic-created', topic };
      }
      case 'DeleteTopic': {
        const topic = this.topicsById.get(record.topicId);
        if (!topic) return null;
        this.topicsById.delete(topic.topicId);
        this.topicsByName.delete(topic.name);
        return { kind: 'topic-deleted', topic };
      }
      case 'CreatePartitions': {
        const topic = this.topicsById.get(record.topicId);
        if (!topic) return null;
        if (record.partitions.some((p, i) => p.partition !== topic.partitions.length + i)) {
          return { kind: 'ignored', reason: `partitions of ${topic.name} are not added in order` };
        }
        const updated = { ...topic, partitions: [...topic.partitions, ...record.partitions.map(toPartitionInfo)] };
        this.putTopic(updated);
        return { kind: 'partitions-changed', topic: updated, partitions: record.partitions.map((p) => p.partition) };
      }
      case 'AlterTopicConfig': {
        const topic = this.topicsById.get(record.topicId);
        if (!topic) return null;
        const updated = withSettings({ ...topic, configs: { ...record.configs } });
        this.putTopic(updated);
        return { kind: 'config-changed', topic: updated };
      }
      case 'PartitionChange': {
        const topic = this.topicsById.get(record.topicId);
        const current = topic?.partitions[record.partition];
        if (!topic || !current) return null;
        if (record.leaderEpoch <= current.leaderEpoch) {
          return {
            kind: 'ignored',
            reason: `stale leader epoch ${record.leaderEpoch} for ${topic.name}-${record.partition}`,
          };
        }
        const partitions = [...topic.partitions];
        partitions[record.partition] = {
          partition: record.partition,
          replicas: record.replicas ? [...record.replicas] : current.replicas,
          leader: record.leader,
          leaderEpoch: record.leaderEpoch,
        };
        const updated = { ...topic, partitions };
        this.putTopic(updated);
        return { kind: 'partitions-changed', topic: updated, partitions: [record.partition] };
      }
      case 'AllocateProducerIds': {
        if (record.firstProducerId !== this.nextProducerIdValue) {
          return { kind: 'ignored', reason: `producer id block ${record.firstProducerId} is not the next one` };
        }
        this.nextProducerIdValue = record.firstProducerId + record.count;
        return null;
      }
      case 'Noop':
        return null;
      default:
        return unreachable(record);
    }
  }

  /** The records' view only: a restore parses the configs again, by the rules of the node restoring. */
  snapshot(): MetadataSnapshot {
    const topics = this.topics.map(({ name, topicId, configs, partitions }) => ({
      name,
      topicId,
      configs,
      partitions,
    }));
    return { brokers: this.brokers.slice(), topics, nextProducerId: this.nextProducerIdValue };
  }

  restore(snapshot: MetadataSnapshot): void {
    this.brokersById.clear();
    this.topicsByName.clear();
    this.topicsById.clear();
    for (const broker of snapshot.brokers) this.brokersById.set(broker.nodeId, broker);
    for (const topic of snapshot.topics) this.putTopic(withSettings(topic));
    this.nextProducerIdValue = snapshot.nextProducerId;
  }

  private putTopic(topic: TopicInfo): void {
    this.topicsByName.set(topic.name, topic);
    this.topicsById.set(topic.topicId, topic);
  }
}

function toPartitionInfo(p: PartitionAssignment): PartitionInfo {
  assert(p.replicas.length > 0, 'a partition has at least one replica');
  assert(new Set(p.replicas).size === p.replicas.length, 'no two replicas of a partition on one node');
  return { partition: p.partition, replicas: [...p.replicas], leader: p.leader, leaderEpoch: p.leaderEpoch };
}
