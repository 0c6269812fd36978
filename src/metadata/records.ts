// The records of the metadata log. Every node applies them in order to the same state; only the
// controller writes them. They are small and rare, so they are encoded as JSON.
import type { AclBinding } from './acl-model.js';
import type { QuotaEntity } from './client-quotas.js';
import type { SecurityProtocol } from '../common/index.js';
import type { ScramRecord } from './scram-users.js';

/** Where one of a broker's Kafka listeners is reached: its advertised address, by listener name. */
export interface BrokerEndpoint {
  readonly listener: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: SecurityProtocol;
}

export interface PartitionAssignment {
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly leader: number;
  readonly leaderEpoch: number;
}

export type MetadataRecord =
  | {
      readonly type: 'RegisterBroker';
      readonly nodeId: number;
      /** The first endpoint's address, which records written before endpoints existed carry alone. */
      readonly host: string;
      readonly port: number;
      /** Every listener's advertised endpoint; absent in older records (one PLAINTEXT listener). */
      readonly endpoints?: readonly BrokerEndpoint[];
      readonly rack: string | null;
      readonly incarnation: string;
      /** The broker's gRPC "host:port"; absent in records written before brokers beyond the voters. */
      readonly peerAddress?: string;
    }
  | { readonly type: 'FenceBroker'; readonly nodeId: number }
  | { readonly type: 'UnfenceBroker'; readonly nodeId: number }
  | {
      readonly type: 'CreateTopic';
      readonly name: string;
      readonly topicId: string;
      readonly configs: Readonly<Record<string, string>>;
      readonly partitions: readonly PartitionAssignment[];
    }
  | { readonly type: 'DeleteTopic'; readonly topicId: string }
  | { readonly type: 'CreatePartitions'; readonly topicId: string; readonly partitions: readonly PartitionAssignment[] }
  | { readonly type: 'AlterTopicConfig'; readonly topicId: string; readonly configs: Readonly<Record<string, string>> }
  | {
      readonly type: 'PartitionChange';
      readonly topicId: string;
      readonly partition: number;
      readonly leader: number;
      readonly leaderEpoch: number;
      /** New replicas (a reassignment completing): the partition's target, if any, is cleared. */
      readonly replicas?: readonly number[];
    }
  /**
   * Starts moving a partition to `targetReplicas` (reassignment.ts), or cancels the move under way
   * when null. A target with the same replicas only reorders them (the preferred leader changes).
   */
  | {
      readonly type: 'ReassignPartition';
      readonly topicId: string;
      readonly partition: number;
      readonly targetReplicas: readonly number[] | null;
    }
  /** The broker takes no new replicas any more (`brook node decommission`); it stays registered. */
  | { readonly type: 'DecommissionBroker'; readonly nodeId: number }
  /** A decommissioned broker that is gone leaves the cluster (Kafka's UnregisterBrokerRecord; broker-retirement.ts). */
  | { readonly type: 'UnregisterBroker'; readonly nodeId: number }
  | {
      readonly type: 'AllocateProducerIds';
      readonly nodeId: number;
      readonly firstProducerId: number;
      readonly count: number;
    }
  /** An ACL (Kafka's AccessControlEntryRecord); its id names it for removal. */
  | { readonly type: 'AccessControlEntry'; readonly id: string; readonly acl: AclBinding }
  | { readonly type: 'RemoveAccessControlEntry'; readonly id: string }
  /** Sets one quota of an entity, or removes it when `value` is null (Kafka's ClientQuotaRecord). */
  | { readonly type: 'ClientQuota'; readonly entity: QuotaEntity; readonly key: string; readonly value: number | null }
  | ScramRecord
  | { readonly type: 'Noop' };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One metadata log entry: the records of one proposal, applied together (JSON; rare and small). */
export function encodeRecordBatch(records: readonly MetadataRecord[]): Uint8Array {
  return encoder.encode(JSON.stringify(records));
}

export function decodeRecordBatch(bytes: Uint8Array): MetadataRecord[] {
  const value: unknown = JSON.parse(decoder.decode(bytes));
  if (!Array.isArray(value)) throw new Error('a metadata log entry is not a JSON array of records');
  return value as MetadataRecord[];
}
