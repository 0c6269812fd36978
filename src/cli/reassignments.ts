// What the moving commands share: the cluster's assignment as the planner sees it, Kafka's
// kafka-reassign-partitions.sh JSON (`{"version":1,"partitions":[{"topic","partition","replicas"}]}`),
// submitting a plan and waiting until its moves are done.
import { ClientError, type KafkaClient, ReassignmentAdmin, type ReassignmentTarget } from '../client/index.js';
import { errorName } from '../common/index.js';
import type { PlannedPartition } from './rebalance-plan.js';

export interface ClusterAssignment {
  readonly brokers: number[];
  readonly controllerId: number;
  readonly partitions: PlannedPartition[];
  /** `topic:partition` of the reassignments under way. */
  readonly ongoing: Set<string>;
}

const POLL_MS = 250;

export async function clusterAssignment(client: KafkaClient): Promise<ClusterAssignment> {
  const metadata = await client.retrying(() => client.metadata(null));
  const ongoing = await new ReassignmentAdmin(client).listPartitionReassignments();
  return {
    brokers: metadata.brokers.map((b) => b.nodeId),
    controllerId: metadata.controllerId,
    partitions: metadata.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partition, replicas: [...p.replicas] })),
    ),
    ongoing: new Set(ongoing.map((o) => `${o.topic}:${o.partition}`)),
  };
}

/** Kafka's reassignment JSON: what kafka-reassign-partitions.sh reads and prints. */
export function reassignmentJson(partitions: readonly PlannedPartition[]): string {
  return JSON.stringify({
    version: 1,
    partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas })),
  });
}

/** Parses Kafka's reassignment JSON (log_dirs, if given, must all be "any": Brook has one log dir). */
export function parseReassignmentJson(text: string, source: string): PlannedPartition[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ClientError(`${source}: not JSON: ${(err as Error).message}`);
  }
  const partitions = (value as { partitions?: unknown }).partitions;
  if (!Array.isArray(partitions)) throw new ClientError(`${source}: no "partitions" array`);
  return partitions.map((entry: unknown, i) => {
    const p = entry as { topic?: unknown; partition?: unknown; replicas?: unknown; log_dirs?: unknown };
    const ok =
      typeof p.topic === 'string' &&
      Number.isInteger(p.partition) &&
      Array.isArray(p.replicas) &&
      p.replicas.every((r) => Number.isInteger(r));
    if (!ok) throw new ClientError(`${source}: partitions[${i}] needs "topic", "partition" and integer "replicas"`);
    if (Array.isArray(p.log_dirs) && p.log_dirs.some((d) => d !== 'any')) {
      throw new ClientError(`${source}: partitions[${i}]: log_dirs other than "any" are not supported`);
    }
    return { topic: p.topic as string, partition: p.partition as number, replicas: p.replicas as number[] };
  });
}

/** Submits the targets; throws the first refusal (after the others were taken). */
export async function submit(client: KafkaClient, targets: readonly ReassignmentTarget[]): Promise<void> {
  if (targets.length === 0) return;
  const results = await new ReassignmentAdmin(client).alterPartitionReassignments(targets);
  const refused = results.filter((r) => r.errorCode !== 0);
  if (refused.length > 0) {
    const first = refused[0]!;
    throw new ClientError(
      `${refused.length} of ${results.length} partitions refused; ${first.topic}-${first.partition}: ` +
        `${errorName(first.errorCode)}${first.errorMessage ? `: ${first.errorMessage}` : ''}`,
    );
  }
}

/** Waits until none of `partitions` is being reassigned any more; throws after `timeoutMs`. */
export async function waitForReassignments(
  client: KafkaClient,
  partitions: readonly { topic: string; partition: number }[],
  timeoutMs: number,
): Promise<void> {
  const admin = new ReassignmentAdmin(client);
  const deadline = Date.now() + timeoutMs;
  const wanted = new Set(partitions.map((p) => `${p.topic}:${p.partition}`));
  for (;;) {
    const ongoing = (await admin.listPartitionReassignments()).filter((o) => wanted.has(`${o.topic}:${o.partition}`));
    if (ongoing.length === 0) return;
    if (Date.now() >= deadline) {
      throw new ClientError(
        `${ongoing.length} reassignments still under way after ${timeoutMs} ms (first: ${ongoing[0]!.topic}-${ongoing[0]!.partition}, adding ${ongoing[0]!.addingReplicas.join(',')})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
