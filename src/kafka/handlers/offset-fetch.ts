// OffsetFetch (key 9), versions 0-8 (1-8 with legacy.api.versions.enable=false, as Kafka 4); v0
// is v1 (Kafka 0.8.2 read v0 from ZooKeeper; the offsets are the same here). A partition with no commit answers offset -1. v1 reports
// coordinator errors per partition; v2+ also at the top level and accept null topics (every
// partition the group has committed); v5 adds the leader epoch; v7 adds requireStable (no
// transactions here, so every offset is stable). v8 asks for many groups at once and answers per
// group. The codec decodes absent fields as null, so the shape is chosen by version.
import { ErrorCode } from '../../common/index.js';
import type { FetchedOffset } from '../../groups/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  OffsetFetchRequest,
  OffsetFetchRequestTopic,
  OffsetFetchResponse,
  OffsetFetchResponseTopic,
} from '../protocol/messages/offset-fetch.js';
import { byTopic } from './group-common.js';

export function offsetFetchHandler(ctx: BrokerContext) {
  function fetchGroup(
    groupId: string,
    topics: OffsetFetchRequestTopic[] | null,
  ): { errorCode: number; topics: OffsetFetchResponseTopic[] } {
    const partitions =
      topics === null
        ? null
        : topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
    const result = ctx.groups.fetchOffsets(groupId, partitions);
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
    return { errorCode: result.errorCode, topics: toTopics(result.offsets) };
  }

  return defineHandler<OffsetFetchRequest, OffsetFetchResponse>({
    apiKey: 9,
    name: 'OffsetFetch',
    minVersion: ctx.config.legacyApiVersions ? 0 : 1,
    maxVersion: 8,
    handle(request, context) {
      if (context.apiVersion >= 8) {
        const groups = request.groups.map((g) => ({ groupId: g.groupId, ...fetchGroup(g.groupId, g.topics) }));
        return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.NONE, groups };
      }
      const topics = context.apiVersion >= 2 ? request.topics : (request.topics ?? []);
      const result = fetchGroup(request.groupId, topics);
      return { throttleTimeMs: 0, topics: result.topics, errorCode: result.errorCode, groups: [] };
    },
  });
}
