// AlterPartitionReassignments (key 45), version 0: per partition, the replicas to move it to
// (the partition keeps its replicas' quorums while the new ones catch up as learners, then switches
// in one epoch: docs/architecture.md, "Reassignment"), or null to cancel the move under way
// (NO_REASSIGNMENT_IN_PROGRESS when there is none). The same replicas in another order change the
// preferred leader at once. Forwarded to the controller; answered once committed, not once the data
// has moved (ListPartitionReassignments shows what is under way). Needs ALTER on the cluster.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
  ReassignableTopicResponse,
} from '../protocol/messages/alter-partition-reassignments.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';

export function alterPartitionReassignmentsHandler(ctx: BrokerContext) {
  return defineHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>({
    apiKey: 45,
    name: 'AlterPartitionReassignments',
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context) {
      const answer = (
        errorCode: number,
        errorMessage: string | null,
        responses: ReassignableTopicResponse[] = [],
      ): AlterPartitionReassignmentsResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, responses });
      if (!ctx.authorizer.access(context).allowsCluster(AclOperation.ALTER)) {
        const denied = notAuthorized(AclOperation.ALTER, ResourceType.CLUSTER);
        return answer(denied.code, denied.message);
      }
      const requests = request.topics.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas })),
      );
      try {
        const results = await ctx.admin.alterReassignments(requests);
        const topics = new Map<string, ReassignableTopicResponse>();
        for (const r of results) {
          let topic = topics.get(r.topic);
          if (!topic) topics.set(r.topic, (topic = { name: r.topic, partitions: [] }));
          topic.partitions.push({ partitionIndex: r.partition, errorCode: r.errorCode, errorMessage: r.message });
        }
        return answer(ErrorCode.NONE, null, [...topics.values()]);
      } catch (err) {
        const failed = errorOf(err, ctx.log);
        return answer(failed.errorCode, failed.errorMessage);
      }
    },
  });
}
