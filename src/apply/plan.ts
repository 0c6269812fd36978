// The difference between a topics file and the cluster, as the steps that would make the cluster
// match it: create a missing topic, add partitions, set a config that differs. Nothing is removed
// unless asked (`prune`): then topics the file does not list are deleted and topic configs it
// does not name are removed (back to the broker's value). What cannot be applied — fewer
// partitions than the topic has, another replication factor (Brook does not move replicas) — is a
// conflict, and a plan with conflicts is not applied at all. Pure: the file and the cluster's
// state in, the plan out, so applying the same file twice plans nothing the second time.
import type { TopicSpec } from './topics-file.js';

export interface CurrentTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** The configs set on the topic itself (DescribeConfigs source DYNAMIC_TOPIC_CONFIG). */
  readonly configs: Readonly<Record<string, string>>;
}

export type Step =
  | { readonly kind: 'create'; readonly topic: TopicSpec }
  | {
      readonly kind: 'add-partitions';
      readonly topic: string;
      readonly from: number;
      readonly to: number;
      readonly line: number;
    }
  | {
      readonly kind: 'set-configs';
      readonly topic: string;
      readonly changes: readonly { readonly key: string; readonly from: string | null; readonly to: string }[];
      readonly line: number;
    }
  | {
      readonly kind: 'remove-configs';
      readonly topic: string;
      readonly keys: readonly string[];
      readonly line: number | null;
    }
  | { readonly kind: 'delete'; readonly topic: string };

export interface Conflict {
  readonly topic: string;
  readonly line: number;
  readonly message: string;
}

export interface Plan {
  readonly steps: readonly Step[];
  readonly conflicts: readonly Conflict[];
}

export function planTopics(desired: readonly TopicSpec[], current: readonly CurrentTopic[], prune: boolean): Plan {
  const steps: Step[] = [];
  const conflicts: Conflict[] = [];
  const existing = new Map(current.map((t) => [t.name, t]));
  for (const spec of desired) {
    const now = existing.get(spec.name);
    if (!now) {
      steps.push({ kind: 'create', topic: spec });
      continue;
    }
    if (spec.replicationFactor !== undefined && spec.replicationFactor !== now.replicationFactor) {
      conflicts.push({
        topic: spec.name,
        line: spec.line,
        message: `replication factor is ${now.replicationFactor}, the file says ${spec.replicationFactor}: Brook cannot move replicas (recreate the topic)`,
      });
    }
    if (spec.partitions !== undefined && spec.partitions < now.partitions) {
      conflicts.push({
        topic: spec.name,
        line: spec.line,
        message: `has ${now.partitions} partitions, the file says ${spec.partitions}: partitions cannot be removed`,
      });
    } else if (spec.partitions !== undefined && spec.partitions > now.partitions) {
      steps.push({
        kind: 'add-partitions',
        topic: spec.name,
        from: now.partitions,
        to: spec.partitions,
        line: spec.line,
      });
    }
    const changes = Object.entries(spec.configs)
      .filter(([key, value]) => now.configs[key] !== value)
      .map(([key, to]) => ({ key, from: now.configs[key] ?? null, to }));
    if (changes.length > 0) steps.push({ kind: 'set-configs', topic: spec.name, changes, line: spec.line });
    const extra = Object.keys(now.configs).filter((key) => !(key in spec.configs));
    if (prune && extra.length > 0)
      steps.push({ kind: 'remove-configs', topic: spec.name, keys: extra, line: spec.line });
  }
  if (prune) {
    const named = new Set(desired.map((t) => t.name));
    for (const topic of current) if (!named.has(topic.name)) steps.push({ kind: 'delete', topic: topic.name });
  }
  return { steps, conflicts };
}

/** The plan as diff lines: `+` to create, `~` to change, `-` to remove; `no changes` when empty. */
export function describePlan(plan: Plan): string[] {
  const lines = plan.steps.map((step): string => {
    switch (step.kind) {
      case 'create': {
        const t = step.topic;
        const configs = Object.entries(t.configs).map(([k, v]) => `${k}=${v}`);
        return (
          `+ topic ${t.name}: partitions ${t.partitions ?? 'default'}, replication factor ${t.replicationFactor ?? 'default'}` +
          (configs.length > 0 ? `, configs ${configs.join(' ')}` : '')
        );
      }
      case 'add-partitions':
        return `~ topic ${step.topic}: partitions ${step.from} -> ${step.to}`;
      case 'set-configs':
        return step.changes
          .map((c) => `~ topic ${step.topic}: config ${c.key} ${c.from ?? '(broker default)'} -> ${c.to}`)
          .join('\n');
      case 'remove-configs':
        return step.keys.map((k) => `- topic ${step.topic}: config ${k} (back to the broker default)`).join('\n');
      case 'delete':
        return `- topic ${step.topic} (deleted with its data)`;
    }
  });
  const conflicts = plan.conflicts.map((c) => `! topic ${c.topic}: ${c.message}`);
  const all = [...lines.flatMap((l) => l.split('\n')), ...conflicts];
  return all.length > 0 ? all : ['no changes'];
}
