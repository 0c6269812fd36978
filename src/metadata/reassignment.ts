// A partition's reassignment as the metadata records it: `replicas` (the current set, which alone
// forms the write and read quorums) and `targetReplicas` (where it is moving). The replicas being
// added follow the leader as learners, counted in no quorum, until the controller switches the
// partition to the target in one new epoch (docs/architecture.md, "Reassignment"); the replicas being
// removed leave then.
import type { PartitionInfo } from './state.js';

type Assigned = Pick<PartitionInfo, 'replicas' | 'targetReplicas'>;

/** Replicas of the target that are not replicas yet: they catch up as learners. */
export function addingReplicas(p: Assigned): number[] {
  return p.targetReplicas ? p.targetReplicas.filter((r) => !p.replicas.includes(r)) : [];
}

/** Replicas that leave once the reassignment completes. */
export function removingReplicas(p: Assigned): number[] {
  const target = p.targetReplicas;
  return target ? p.replicas.filter((r) => !target.includes(r)) : [];
}

/** Every node that hosts a replica of the partition: the replicas, then the learners. */
export function hostingReplicas(p: Assigned): number[] {
  return [...p.replicas, ...addingReplicas(p)];
}
