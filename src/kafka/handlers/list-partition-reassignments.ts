// ListPartitionReassignments (key 46), version 0: the reassignments under way as this node's
// metadata has them (after a barrier, so a client sees its own AlterPartitionReassignments), of
// the named partitions or of all. As Kafka reports them, `replicas` are the current replicas and
// the learners, `addingReplicas` the learners, `removingReplicas` those that leave at the switch.
// Needs DESCRIBE on the cluster.
import { ErrorCode } from '../../common/index.js';
import {
  AclOperation,
  addingReplicas,
  hostingReplicas,
  type PartitionInfo,
  removingReplicas,
  ResourceType,
} from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
  OngoingPartitionReassignment,
  OngoingTopicReassignment,
} from '../protocol/messages/list-partition-reassignments.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';

function ongoing(p: PartitionInfo): OngoingPartitionReassignment {
  return {
    partitionIndex: p.partition,
    replicas: hostingReplicas(p),
    addingReplicas: addingReplicas(p),
    removingReplicas: removingReplicas(p),
  };
}

export function listPartitionReassignmentsHandler(ctx: BrokerContext) {
  return defineHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>({
    apiKey: 46,
    name: 'ListPartitionReassignments',
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context) {
      const answer = (errorCode: number, errorMessage: string | null, topics: OngoingTopicReassignment[] = []) => ({
        throttleTimeMs: 0,
        errorCode,
        errorMessage,
        topics,
      });
      if (!ctx.authorizer.access(context).allowsCluster(AclOperation.DESCRIBE)) {
        const denied = notAuthorized(AclOperation.DESCRIBE, ResourceType.CLUSTER);
        return answer(denied.code, denied.message);
      }
      try {
        await ctx.metadata.barrier();
      } catch (err) {
        const failed = errorOf(err, ctx.log);
        return answer(failed.errorCode, failed.errorMessage);
      }
      const state = ctx.metadata.state;
      const wanted =
        request.topics === null
          ? state.topics.map((t) => ({ name: t.name, partitionIndexes: t.partitions.map((p) => p.partition) }))
          : request.topics;
      const topics: OngoingTopicReassignment[] = [];
      for (const { name, partitionIndexes } of wanted) {
        const topic = state.topic(name);
        if (!topic) continue;
        const partitions = partitionIndexes
          .map((i) => topic.partitions[i])
          .filter((p): p is PartitionInfo => p?.targetReplicas !== undefined)
          .map(ongoing);
        if (partitions.length > 0) topics.push({ name, partitions });
      }
      return answer(ErrorCode.NONE, null, topics);
    },
  });
}
