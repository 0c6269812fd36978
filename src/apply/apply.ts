// Making a cluster match a topics file through the admin API: read what the cluster has (topics,
// partition counts, replication factors, the configs set on each topic), plan the difference
// (plan.ts), and carry out each step — CreateTopics, CreatePartitions, IncrementalAlterConfigs,
// DeleteTopics — in the file's order. The first failure stops the rest and is reported with the
// file and line of the topic it concerns. Both `brook apply` and a node started with --apply go
// through here, one over TCP, the other through the node's own dispatcher.
import type { Admin } from '../client/index.js';
import { type CurrentTopic, type Plan, planTopics, type Step } from './plan.js';
import { TopicsFileError, type TopicsFile } from './topics-file.js';

/** The topics the cluster has, with the configs set on each (internal topics left out). */
export async function currentTopics(admin: Admin): Promise<CurrentTopic[]> {
  const topics = await admin.listTopics(false);
  return Promise.all(
    topics.map(async (t) => ({
      name: t.name,
      partitions: t.partitions.length,
      replicationFactor: t.partitions[0]?.replicas.length ?? 0,
      configs: Object.fromEntries(
        (await admin.topicConfigs(t.name))
          .filter((c) => c.source === 'topic' && c.value !== null)
          .map((c) => [c.name, c.value as string]),
      ),
    })),
  );
}

export async function planFile(admin: Admin, file: TopicsFile, prune: boolean): Promise<Plan> {
  return planTopics(file.topics, await currentTopics(admin), prune);
}

function lineOf(step: Step): number | null {
  switch (step.kind) {
    case 'create':
      return step.topic.line;
    case 'add-partitions':
    case 'set-configs':
    case 'remove-configs':
      return step.line;
    case 'delete':
      return null;
  }
}

async function run(admin: Admin, step: Step): Promise<void> {
  switch (step.kind) {
    case 'create':
      return admin.createTopic({
        name: step.topic.name,
        partitions: step.topic.partitions ?? -1,
        replicationFactor: step.topic.replicationFactor ?? -1,
        configs: step.topic.configs,
      });
    case 'add-partitions':
      return admin.addPartitions(step.topic, step.to);
    case 'set-configs':
      return admin.alterTopicConfigs(step.topic, Object.fromEntries(step.changes.map((c) => [c.key, c.to])));
    case 'remove-configs':
      return admin.alterTopicConfigs(step.topic, {}, step.keys);
    case 'delete':
      return admin.deleteTopic(step.topic);
  }
}

/**
 * Carries out `plan`; a plan with conflicts is refused whole, before any step. Throws
 * TopicsFileError naming the line of the step that failed.
 */
export async function applyPlan(admin: Admin, file: TopicsFile, plan: Plan): Promise<void> {
  const conflict = plan.conflicts[0];
  if (conflict) throw new TopicsFileError(file.file, conflict.line, `topic ${conflict.topic} ${conflict.message}`);
  for (const step of plan.steps) {
    try {
      await run(admin, step);
    } catch (err) {
      throw new TopicsFileError(file.file, lineOf(step), err instanceof Error ? err.message : String(err));
    }
  }
}
