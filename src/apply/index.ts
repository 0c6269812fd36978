// The apply module's door: declarative topics. A YAML topics file (topics-file.ts) is planned
// against the cluster (plan.ts: create, add partitions, set configs; removals only when pruning)
// and applied through the admin API (apply.ts) by `brook apply -f FILE`, or by a node started with
// --apply FILE once it is ready (on-node.ts).
export { applyPlan, currentTopics, planFile } from './apply.js';
export { applyOnNode } from './on-node.js';
export { type CurrentTopic, describePlan, type Plan, planTopics, type Step } from './plan.js';
export { parseTopicsFile, type TopicSpec, type TopicsFile, TopicsFileError } from './topics-file.js';
