// OffsetFetch (key 9), versions 0-8 (1-8 with legacy.api.versions.enable=false, as Kafka 4); v0
// is v1 (Kafka 0.8.2 read v0 from ZooKeeper; the offsets are the same here). A partition with no commit answers offset -1. v1 reports
// coordinator errors per partition; v2+ also at the top level and accept null topics (every
// partition the group has committed); v5 adds the leader epoch; v7 adds requireStable: a
// partition with an offset inside an open transaction (TxnOffsetCommit) then answers
// UNSTABLE_OFFSET_COMMIT, which clients retry; without it the last committed offset is returned.
// v8 asks for many groups at once and answers per
// group. The codec decodes absent fields as null, so the shape is chosen by version.
// Authorization as Kafka's: DESCRIBE on the group (GROUP_AUTHORIZATION_FAILED, reported like a
// coordinator error), DESCRIBE on each topic (a named partition gets TOPIC_AUTHORIZATION_FAILED;
// an all-topics fetch leaves the topic out).
import { ErrorCode } from '../../common/index.js';
import type { FetchedOffset } from '../../groups/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  OffsetFetchRequest,
  OffsetFetchRequestTopic,
  OffsetFetchResponse,
  OffsetFetchResponseTopic,
} from '../protocol/messages/offset-fetch.js';
import type { RequestAccess } from '../request-access.js';
import { byTopic } from './group-common.js';

export function offsetFetchHandler(ctx: BrokerContext) {
  function fetchGroup(
    access: RequestAccess,
    groupId: string,
    topics: OffsetFetchRequestTopic[] | null,
    requireStable: boolean,
  ): { errorCode: number; topics: OffsetFetchResponseTopic[] } {
    const partitions =
      topics === null
        ? null
        : topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
    const describable = (topic: string) => access.allows(AclOperation.DESCRIBE, ResourceType.TOPIC, topic);
    const result = access.allows(AclOperation.DESCRIBE, ResourceType.GROUP, groupId)
      ? ctx.groups.fetchOffsets(groupId, partitions?.filter((p) => describable(p.topic)) ?? null, requireStable)
      : { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, offsets: [] };
    const toTopics = (offsets: readonly FetchedOffset[]) =>
      byTopic(offsets, (o) => ({
        partitionIndex: o.partition,
        committedOffset: o.offset,
        committedLeaderEpoch: o.leaderEpoch,
        metadata: o.metadata,
        errorCode: o.errorCode,
      }));
    if (result.errorCode !== ErrorCode.NONE && partitions !== null) {
      // Old clients read only per-partition errors: report the coordinator error on each.
      const failed = partitions.map((p) => ({
        ...p,
        offset: -1,
        leaderEpoch: -1,
        metadata: '',
        errorCode: result.errorCode,
      }));
      return { errorCode: result.errorCode, topics: toTopics(failed) };
    }
    if (partitions === null) {
      return { errorCode: result.errorCode, topics: toTopics(result.offsets.filter((o) => describable(o.topic))) };
    }
    // Every named partition in request order: fetched, or refused for its topic.
    const fetched = new Map(result.offsets.map((o) => [`${o.partition}:${o.topic}`, o]));
    const answered = partitions.map(
      (p) =>
        fetched.get(`${p.partition}:${p.topic}`) ?? {
          ...p,
          offset: -1,
          leaderEpoch: -1,
          metadata: '',
          errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        },
    );
    return { errorCode: result.errorCode, topics: toTopics(answered) };
  }

  return defineHandler<OffsetFetchRequest, OffsetFetchResponse>({
    apiKey: 9,
    name: 'OffsetFetch',
    minVersion: ctx.config.legacyApiVersions ? 0 : 1,
    maxVersion: 8,
    handle(request, context) {
      const access = ctx.authorizer.access(context);
      if (context.apiVersion >= 8) {
        const groups = request.groups.map((g) => ({
          groupId: g.groupId,
          ...fetchGroup(access, g.groupId, g.topics, request.requireStable),
        }));
        return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.NONE, groups };
      }
      const topics = context.apiVersion >= 2 ? request.topics : (request.topics ?? []);
      const result = fetchGroup(access, request.groupId, topics, context.apiVersion >= 7 && request.requireStable);
      return { throttleTimeMs: 0, topics: result.topics, errorCode: result.errorCode, groups: [] };
    },
  });
}
