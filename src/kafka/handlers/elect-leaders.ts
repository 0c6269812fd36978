// ElectLeaders (key 43), versions 0-2: a preferred election (type 0; v0 knows no other) moves each
// partition's leadership to its first replica when that replica is live and holds every acknowledged
// write; an unclean one (type 1) elects any live replica of a partition whose leader is down, and may
// lose acknowledged writes. Forwarded to the controller. Needs ALTER on the cluster, else
// CLUSTER_AUTHORIZATION_FAILED. With no partitions named (null), every partition of the cluster is
// considered and only those an election was tried on are answered, as Kafka does.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, type ElectionType, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  ElectLeadersRequest,
  ElectLeadersResponse,
  ElectLeadersTopicResult,
} from '../protocol/messages/elect-leaders.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';

const ELECTION_TYPES: Readonly<Record<number, ElectionType>> = { 0: 'preferred', 1: 'unclean' };

interface Named {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

function byTopic(results: readonly Named[]): ElectLeadersTopicResult[] {
  const topics = new Map<string, ElectLeadersTopicResult>();
  for (const r of results) {
    let topic = topics.get(r.topic);
    if (!topic) topics.set(r.topic, (topic = { topic: r.topic, partitionResult: [] }));
    topic.partitionResult.push({ partitionId: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage });
  }
  return [...topics.values()];
}

export function electLeadersHandler(ctx: BrokerContext) {
  return defineHandler<ElectLeadersRequest, ElectLeadersResponse>({
    apiKey: 43,
    name: 'ElectLeaders',
    minVersion: 0,
    maxVersion: 2,
    async handle(request, context) {
      const named = (request.topicPartitions ?? []).flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, p })));
      const everyPartitionWith = (errorCode: number, errorMessage: string | null): ElectLeadersResponse => ({
        throttleTimeMs: 0,
        errorCode,
        replicaElectionResults: byTopic(
          named.map(({ topic, p }) => ({ topic, partition: p, errorCode, errorMessage })),
        ),
      });
      if (!ctx.authorizer.access(context).allowsCluster(AclOperation.ALTER)) {
        const denied = notAuthorized(AclOperation.ALTER, ResourceType.CLUSTER);
        return everyPartitionWith(denied.code, denied.message);
      }
      const type = ELECTION_TYPES[request.electionType];
      if (type === undefined) {
        return everyPartitionWith(ErrorCode.INVALID_REQUEST, `unknown election type ${request.electionType}`);
      }
      try {
        const partitions =
          request.topicPartitions === null ? null : named.map(({ topic, p }) => ({ topic, partition: p }));
        const results = await ctx.admin.electLeaders(type, partitions);
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          replicaElectionResults: byTopic(results.map((r) => ({ ...r, errorMessage: r.message }))),
        };
      } catch (err) {
        const failed = errorOf(err, ctx.log);
        // v0 has no top-level code: every partition carries the failure too.
        return { ...everyPartitionWith(failed.errorCode, failed.errorMessage), errorCode: failed.errorCode };
      }
    },
  });
}
