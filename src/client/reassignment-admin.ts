// The admin calls that move replicas, beside Admin so that its API stays as it was: partition
// reassignments (AlterPartitionReassignments, ListPartitionReassignments; a null target cancels)
// and Brook's decommission of a broker (UnregisterBroker). Any broker answers; it forwards what the
// controller must decide.
import type {
  AlterPartitionReassignmentsResponse,
  ListPartitionReassignmentsResponse,
  UnregisterBrokerResponse,
} from '../kafka/index.js';
import { Api } from './api-versions.js';
import type { KafkaClient } from './client.js';
import { check } from './errors.js';

const TIMEOUT_MS = 30_000;

/** A partition to move to `replicas`, or (null) whose move under way is cancelled. */
export interface ReassignmentTarget {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[] | null;
}

export interface ReassignmentOutcome {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** A reassignment under way, as Kafka lists it. */
export interface OngoingReassignment {
  readonly topic: string;
  readonly partition: number;
  /** The current replicas and those being added. */
  readonly replicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly removingReplicas: readonly number[];
}

function byTopic<T extends { topic: string; partition: number }>(items: readonly T[]): Map<string, T[]> {
  const topics = new Map<string, T[]>();
  for (const item of items) topics.set(item.topic, [...(topics.get(item.topic) ?? []), item]);
  return topics;
}

export class ReassignmentAdmin {
  constructor(private readonly client: KafkaClient) {}

  /** Starts (or cancels) reassignments; one outcome per partition, its error code 0 when taken. */
  alterPartitionReassignments(targets: readonly ReassignmentTarget[]): Promise<ReassignmentOutcome[]> {
    return this.client.retrying(async () => {
      const answer = await (
        await this.client.any()
      ).send<AlterPartitionReassignmentsResponse>(Api.AlterPartitionReassignments, {
        timeoutMs: TIMEOUT_MS,
        topics: [...byTopic(targets)].map(([name, parts]) => ({
          name,
          partitions: parts.map((p) => ({ partitionIndex: p.partition, replicas: p.replicas })),
        })),
      });
      check(answer.errorCode, 'alter partition reassignments', answer.errorMessage);
      return answer.responses.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          errorCode: p.errorCode,
          errorMessage: p.errorMessage,
        })),
      );
    });
  }

  /** The reassignments under way (of `partitions`, or all when null). */
  listPartitionReassignments(
    partitions: readonly { topic: string; partition: number }[] | null = null,
  ): Promise<OngoingReassignment[]> {
    return this.client.retrying(async () => {
      const answer = await (
        await this.client.any()
      ).send<ListPartitionReassignmentsResponse>(Api.ListPartitionReassignments, {
        timeoutMs: TIMEOUT_MS,
        topics:
          partitions === null
            ? null
            : [...byTopic(partitions)].map(([name, parts]) => ({
                name,
                partitionIndexes: parts.map((p) => p.partition),
              })),
      });
      check(answer.errorCode, 'list partition reassignments', answer.errorMessage);
      return answer.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          replicas: p.replicas,
          addingReplicas: p.addingReplicas,
          removingReplicas: p.removingReplicas,
        })),
      );
    });
  }

  /** Marks broker `brokerId` decommissioned: no new replicas go there (UnregisterBroker). */
  unregisterBroker(brokerId: number): Promise<void> {
    return this.client.retrying(async () => {
      const answer = await (await this.client.any()).send<UnregisterBrokerResponse>(Api.UnregisterBroker, { brokerId });
      check(answer.errorCode, `unregister broker ${brokerId}`, answer.errorMessage);
    });
  }
}
