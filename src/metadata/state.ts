// The replicated metadata state: a pure function of the records applied in order. Every node
// holds the same state after applying the same prefix of the metadata log.
import { assert, KafkaError, limits, readTopicConfigs, type TopicOverrides, unreachable } from '../common/index.js';
import { AclIndex, type StoredAcl } from './acl-index.js';
import { validateAclBinding } from './acl-model.js';
import { type ClientQuotaEntry, ClientQuotaStore, isQuotaKey, validateQuotaValue } from './client-quotas.js';
import type { BrokerEndpoint, MetadataRecord, PartitionAssignment } from './records.js';
import { ScramUsers, type ScramUserSnapshot } from './scram-users.js';

export interface BrokerInfo {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  /** Every Kafka listener's advertised endpoint; Metadata gives a client those of its listener. */
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
  readonly incarnation: string;
  readonly fenced: boolean;
  /** Decommissioned: placement and rebalancing put no replica here (absent: false). */
  readonly decommissioned?: boolean;
  /** The broker's gRPC "host:port" (Raft, replication, the control plane); null in older records,
   * whose brokers were all voters reached at their --cluster-nodes address. */
  readonly peerAddress: string | null;
}

export interface PartitionInfo {
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly leader: number;
  readonly leaderEpoch: number;
  /**
   * The replicas a reassignment under way moves the partition to (reassignment.ts); absent when
   * none is. Until it completes, `replicas` alone form the quorums.
   */
  readonly targetReplicas?: readonly number[];
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
  /** Brokers of snapshots taken before endpoints were recorded have none (one PLAINTEXT listener). */
  readonly brokers: (Omit<BrokerInfo, 'endpoints' | 'peerAddress'> & {
    readonly endpoints?: readonly BrokerEndpoint[];
    /** Absent in snapshots taken before brokers beyond the voters. */
    readonly peerAddress?: string | null;
  })[];
  readonly topics: TopicRecordInfo[];
  readonly nextProducerId: number;
  /** Absent in snapshots written before ACLs existed. */
  readonly acls?: StoredAcl[];
  readonly clientQuotas?: ClientQuotaEntry[];
  /** SCRAM credentials; absent in snapshots taken before users existed. */
  readonly scramCredentials?: readonly ScramUserSnapshot[];
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
  | { readonly kind: 'acls-changed' }
  | { readonly kind: 'client-quotas-changed' }
  /** A committed record that conflicts with the state (a deposed controller's late decision): it is
   * ignored the same way on every node, never half-applied. */
  | { readonly kind: 'ignored'; readonly reason: string };

export class MetadataState {
  private readonly brokersById = new Map<number, BrokerInfo>();
  private readonly topicsByName = new Map<string, TopicInfo>();
  private readonly topicsById = new Map<string, TopicInfo>();
  /** Next producer id not yet handed to any node; producer ids are never reused. */
  private nextProducerIdValue = 1000;
  /** The cluster's ACLs, indexed for authorization. */
  readonly acls = new AclIndex();
  readonly clientQuotas = new ClientQuotaStore();
  /** SCRAM users: salts, iterations and keys, never passwords. */
  readonly scramUsers = new ScramUsers();

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
        const decommissioned = this.brokersById.get(record.nodeId)?.decommissioned === true;
        this.brokersById.set(record.nodeId, {
          ...(decommissioned ? { decommissioned } : {}),
          nodeId: record.nodeId,
          host: record.host,
          port: record.port,
          endpoints: endpointsOf(record),
          rack: record.rack,
          incarnation: record.incarnation,
          fenced: false,
          peerAddress: record.peerAddress ?? null,
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
      case 'DecommissionBroker': {
        const broker = this.brokersById.get(record.nodeId);
        if (!broker) return { kind: 'ignored', reason: `unknown broker ${record.nodeId}` };
        this.brokersById.set(record.nodeId, { ...broker, decommissioned: true });
        return { kind: 'brokers-changed' };
      }
      case 'UnregisterBroker':
        if (!this.brokersById.delete(record.nodeId))
          return { kind: 'ignored', reason: `unknown broker ${record.nodeId}` };
        return { kind: 'brokers-changed' };
      case 'ReassignPartition':
        return this.applyReassignment(record);
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
        // New replicas complete the reassignment under way; otherwise it continues.
        const target = record.replicas ? undefined : current.targetReplicas;
        partitions[record.partition] = {
          partition: record.partition,
          replicas: record.replicas ? [...record.replicas] : current.replicas,
          leader: record.leader,
          leaderEpoch: record.leaderEpoch,
          ...(target ? { targetReplicas: target } : {}),
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
      case 'AccessControlEntry':
        return this.applyAcl(record.id, record.acl);
      case 'RemoveAccessControlEntry':
        return this.acls.remove(record.id) ? { kind: 'acls-changed' } : null;
      case 'ClientQuota': {
        const { key, value, entity } = record;
        const problem = quotaRecordProblem(key, value);
        if (problem !== null || !isQuotaKey(key)) return { kind: 'ignored', reason: problem ?? key };
        if (
          value !== null &&
          !this.clientQuotas.has(entity) &&
          this.clientQuotas.size >= limits.clientQuotaEntitiesMax
        ) {
          return { kind: 'ignored', reason: `more than ${limits.clientQuotaEntitiesMax} quota entities` };
        }
        this.clientQuotas.set(entity, key, value);
        return { kind: 'client-quotas-changed' };
      }
      case 'UpsertScramCredential':
      case 'DeleteScramCredential':
        this.scramUsers.apply(record);
        return null;
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
    return {
      brokers: this.brokers.slice(),
      topics,
      nextProducerId: this.nextProducerIdValue,
      acls: this.acls.all(),
      clientQuotas: this.clientQuotas.all(),
      scramCredentials: this.scramUsers.snapshot(),
    };
  }

  restore(snapshot: MetadataSnapshot): void {
    this.brokersById.clear();
    this.topicsByName.clear();
    this.topicsById.clear();
    for (const broker of snapshot.brokers)
      this.brokersById.set(broker.nodeId, {
        ...broker,
        endpoints: endpointsOf(broker),
        peerAddress: broker.peerAddress ?? null,
      });
    for (const topic of snapshot.topics) this.putTopic(withSettings(topic));
    this.nextProducerIdValue = snapshot.nextProducerId;
    // The same checks as the records that made them: every node restores the same set.
    this.acls.clear();
    for (const { id, ...acl } of snapshot.acls ?? []) this.applyAcl(id, acl);
    this.clientQuotas.clear();
    for (const { entity, values } of snapshot.clientQuotas ?? []) {
      for (const [key, value] of Object.entries(values)) {
        if (quotaRecordProblem(key, value) === null && isQuotaKey(key)) this.clientQuotas.set(entity, key, value);
      }
    }
    this.scramUsers.restore(snapshot.scramCredentials ?? []);
  }

  private applyReassignment(record: MetadataRecord & { type: 'ReassignPartition' }): MetadataChange | null {
    const topic = this.topicsById.get(record.topicId);
    const current = topic?.partitions[record.partition];
    if (!topic || !current) return null;
    const target = record.targetReplicas;
    if (target !== null && (target.length === 0 || new Set(target).size !== target.length)) {
      return { kind: 'ignored', reason: `bad target replicas [${target.join(',')}]` };
    }
    const rest: PartitionInfo = {
      partition: current.partition,
      replicas: current.replicas,
      leader: current.leader,
      leaderEpoch: current.leaderEpoch,
    };
    let next = rest;
    if (target !== null) {
      const sameSet = target.length === current.replicas.length && target.every((r) => current.replicas.includes(r));
      // The same replicas in another order move no data: the new order applies at once.
      next = sameSet ? { ...rest, replicas: [...target] } : { ...rest, targetReplicas: [...target] };
    }
    const partitions = [...topic.partitions];
    partitions[record.partition] = next;
    const updated = { ...topic, partitions };
    this.putTopic(updated);
    return { kind: 'partitions-changed', topic: updated, partitions: [record.partition] };
  }

  private applyAcl(id: string, acl: StoredAcl | Omit<StoredAcl, 'id'>): MetadataChange {
    try {
      validateAclBinding(acl);
    } catch (err) {
      if (!(err instanceof KafkaError)) throw err;
      return { kind: 'ignored', reason: `ACL ${id}: ${err.message}` };
    }
    if (this.acls.size >= limits.aclsMax) return { kind: 'ignored', reason: `more than ${limits.aclsMax} ACLs` };
    const binding = {
      resourceType: acl.resourceType,
      resourceName: acl.resourceName,
      patternType: acl.patternType,
      principal: acl.principal,
      host: acl.host,
      operation: acl.operation,
      permissionType: acl.permissionType,
    };
    if (!this.acls.add({ id, ...binding })) return { kind: 'ignored', reason: `ACL ${id} exists already` };
    return { kind: 'acls-changed' };
  }

  private putTopic(topic: TopicInfo): void {
    this.topicsByName.set(topic.name, topic);
    this.topicsById.set(topic.topicId, topic);
  }
}

/** Why a committed quota record cannot apply (an older or newer Brook's key), or null. */
function quotaRecordProblem(key: string, value: number | null): string | null {
  if (value === null) return isQuotaKey(key) ? null : `unknown quota key ${key}`;
  try {
    validateQuotaValue(key, value);
    return null;
  } catch (err) {
    if (!(err instanceof KafkaError)) throw err;
    return err.message;
  }
}

/** A broker registered before endpoints were recorded had one PLAINTEXT listener at host:port. */
function endpointsOf(broker: {
  readonly host: string;
  readonly port: number;
  readonly endpoints?: readonly BrokerEndpoint[];
}): BrokerEndpoint[] {
  if (broker.endpoints !== undefined && broker.endpoints.length > 0) return broker.endpoints.map((e) => ({ ...e }));
  return [{ listener: 'PLAINTEXT', host: broker.host, port: broker.port, securityProtocol: 'PLAINTEXT' }];
}

function toPartitionInfo(p: PartitionAssignment): PartitionInfo {
  assert(p.replicas.length > 0, 'a partition has at least one replica');
  assert(new Set(p.replicas).size === p.replicas.length, 'no two replicas of a partition on one node');
  return { partition: p.partition, replicas: [...p.replicas], leader: p.leader, leaderEpoch: p.leaderEpoch };
}
