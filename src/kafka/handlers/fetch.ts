// Fetch (key 1), versions 0-12 (4-12 with legacy.api.versions.enable=false, as Kafka 4). v0-3
// are for clients older than Kafka 0.11: the stored batches are converted down to message format
// v0 (Fetch v0-1) or v1 (v2-3) after they are read (storage/message-set.ts). Whole batches from the one containing fetchOffset up to the high
// watermark, or with isolation_level read_committed (v4+) up to the last stable offset, with the
// aborted transactions (producer id, first offset) that overlap the batches returned, taken from
// the segments' txn indexes; every response carries the last stable offset. Size limits as Kafka's
// ReplicaManager.readFromLocalLog applies them (KIP-74): the response holds at most maxBytes and each
// partition at most partitionMaxBytes, except that the first batch of the first partition with data
// comes whole however large, so a consumer always progresses. Where Kafka then cuts a later
// partition's bytes mid-batch (clients drop the partial tail), Brook stops before a batch that does
// not fit: the same records reach the client, and the response is no larger than Kafka's. The
// partitions are read at once where that gives the same answer (fetch-read.ts).
// Long polling: with fewer than minBytes available the request waits until a high watermark of one
// of its partitions moves or maxWaitMs passes. Fetch sessions (KIP-227, v7+) are served as Kafka
// serves them (fetch-session.ts): session epoch -1 is a full fetch without a session (closing the
// named one), 0 a full fetch that opens a session, and a later epoch an incremental fetch of the
// session's partitions whose answer leaves out the partitions with nothing new; an unknown session
// is FETCH_SESSION_ID_NOT_FOUND, a wrong epoch INVALID_FETCH_SESSION_EPOCH. Each topic needs READ,
// else its partitions get TOPIC_AUTHORIZATION_FAILED.
import { assert, ErrorCode, KafkaError, limits, type TopicTraffic } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { Replica } from '../../replication/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { FetchPartitionData, FetchRequest, FetchResponse } from '../protocol/messages/fetch.js';
import { notAuthorized } from './authorization.js';
import { batchesToMessageSet, type LegacyMagic, recordsInBatches } from '../../storage/index.js';
import { giveBackReads, readPartitions, type Slot } from './fetch-read.js';
import { leaderFor } from './partition-access.js';
import {
  FetchSessionCache,
  FINAL_SESSION_EPOCH,
  INITIAL_SESSION_EPOCH,
  nextSessionEpoch,
  NO_SESSION_ID,
  type PartitionAnswer,
  sessionPartitionKey,
  type FetchSession,
  type SessionPartition,
  type SessionPartitionRequest,
} from './fetch-session.js';

const READ_COMMITTED = 1;
/** Fetch sessions came with v7. */
const SESSION_VERSION_MIN = 7;

interface Wanted {
  readonly topic: string;
  readonly partition: number;
  readonly request: SessionPartitionRequest;
}

/** A partition's batches as a message set for Fetch v0-3; a batch that cannot be converted fails the partition. */
function downConverted(data: FetchPartitionData, magic: LegacyMagic, fetchOffset: number): FetchPartitionData {
  if (data.records === null || data.errorCode !== ErrorCode.NONE) return data;
  try {
    return { ...data, records: batchesToMessageSet(data.records, magic, fetchOffset) };
  } catch (err) {
    const errorCode = err instanceof KafkaError ? err.code : ErrorCode.CORRUPT_MESSAGE;
    return { ...data, errorCode, records: Buffer.alloc(0) };
  }
}

/** Counts what the final read hands the client (a long poll's earlier empty reads count nothing). */
function countFetched(traffic: TopicTraffic, slots: readonly Slot[], results: readonly FetchPartitionData[]): void {
  slots.forEach((slot, i) => {
    const records = results[i]?.records;
    // A read hands its chunks over as an array; a Buffer here is an empty or error answer.
    if (!Array.isArray(records) || records.length === 0) return;
    const chunks: readonly Buffer[] = records;
    let bytes = 0;
    let count = 0;
    for (const chunk of chunks) {
      bytes += chunk.length;
      count += recordsInBatches(chunk);
    }
    traffic.fetched(slot.topic, bytes, count);
  });
}

function recordsBytes(records: FetchPartitionData['records']): number {
  if (records === null) return 0;
  if (!Array.isArray(records)) return records.length;
  let bytes = 0;
  for (const chunk of records as readonly Buffer[]) bytes += chunk.length;
  return bytes;
}

function answerOf(data: FetchPartitionData): PartitionAnswer {
  return {
    errorCode: data.errorCode,
    highWatermark: data.highWatermark,
    lastStableOffset: data.lastStableOffset,
    logStartOffset: data.logStartOffset,
    recordsBytes: recordsBytes(data.records),
  };
}

/** A fetch refused as a whole for its session: no partitions, and no session (Kafka's SessionErrorContext). */
function sessionError(errorCode: number): FetchResponse {
  return { throttleTimeMs: 0, errorCode, sessionId: NO_SESSION_ID, responses: [], nodeEndpoints: [] };
}

export function fetchHandler(ctx: BrokerContext) {
  const sessions = new FetchSessionCache(ctx.config.maxIncrementalFetchSessionCacheSlots);
  function waitForData(slots: readonly Slot[], waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const unsubscribes: (() => void)[] = [];
      const done = () => {
        clearTimeout(timer);
        for (const unsubscribe of unsubscribes) unsubscribe();
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      for (const slot of slots) if (slot.partition) unsubscribes.push(slot.partition.onHighWatermark(done));
    });
  }

  return defineHandler<FetchRequest, FetchResponse>({
    apiKey: 1,
    name: 'Fetch',
    minVersion: ctx.config.legacyApiVersions ? 0 : 4,
    maxVersion: 12,
    async handle(request, context) {
      const nowMs = Date.now();
      const sessionId = context.apiVersion >= SESSION_VERSION_MIN ? request.sessionId : NO_SESSION_ID;
      const sessionEpoch = context.apiVersion >= SESSION_VERSION_MIN ? request.sessionEpoch : FINAL_SESSION_EPOCH;
      const requested: Wanted[] = request.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.topic,
          partition: p.partition,
          request: {
            fetchOffset: p.fetchOffset,
            partitionMaxBytes: p.partitionMaxBytes,
            currentLeaderEpoch: p.currentLeaderEpoch,
          },
        })),
      );
      // The session part runs before the first await, so requests are taken in arrival order: a
      // second fetch with the same epoch finds the epoch already moved on.
      let session: FetchSession | null = null;
      let wanted: readonly Wanted[] = requested;
      let sessionParts: SessionPartition[] = [];
      const full = sessionEpoch === INITIAL_SESSION_EPOCH || sessionEpoch === FINAL_SESSION_EPOCH;
      if (full) {
        if (sessionId !== NO_SESSION_ID) sessions.remove(sessionId);
      } else {
        session = sessions.get(sessionId) ?? null;
        if (session === null) return sessionError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
        if (session.epoch !== sessionEpoch) return sessionError(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
        const forgotten = request.forgottenTopicsData.flatMap((t) =>
          t.partitions.map((partition) => ({ topic: t.topic, partition })),
        );
        session.update(requested, forgotten);
        session.epoch = nextSessionEpoch(session.epoch);
        sessions.touch(session, nowMs);
        sessionParts = [...session.partitions.values()];
        wanted = sessionParts;
      }
      const slots: Slot[] = [];
      const access = ctx.authorizer.access(context);
      for (const { topic, partition: index, request: p } of wanted) {
        let partition: Replica | null = null;
        let error: unknown = null;
        try {
          if (!access.allows(AclOperation.READ, ResourceType.TOPIC, topic)) {
            throw notAuthorized(AclOperation.READ, ResourceType.TOPIC, topic);
          }
          partition = leaderFor(ctx, topic, index, p.currentLeaderEpoch);
        } catch (err) {
          error = err;
        }
        slots.push({
          topic,
          index,
          fetchOffset: p.fetchOffset,
          partitionMaxBytes: p.partitionMaxBytes,
          partition,
          error,
        });
      }
      const readCommitted = request.isolationLevel === READ_COMMITTED;
      const maxBytes = request.maxBytes > 0 ? request.maxBytes : Number.MAX_SAFE_INTEGER;
      let read = await readPartitions(slots, maxBytes, readCommitted, ctx.log);
      const deadline = Date.now() + Math.min(Math.max(request.maxWaitMs, 0), limits.fetchMaxWaitMsMax);
      while (
        !read.anyError &&
        read.total < Math.max(request.minBytes, 1) &&
        Date.now() < deadline &&
        !context.connection.isClosed
      ) {
        await waitForData(slots, deadline - Date.now());
        giveBackReads(read.results);
        read = await readPartitions(slots, maxBytes, readCommitted, ctx.log);
      }
      countFetched(ctx.traffic, slots, read.results);
      let answered = slots.map((slot, i) => ({ slot, data: read.results[i]! }));
      let responseSessionId = NO_SESSION_ID;
      if (session !== null) {
        // Incremental: only what the client was not told yet (the slots follow `wanted`'s order).
        const open = session;
        answered = answered.filter(({ data }, i) => open.mustAnswer(sessionParts[i]!, answerOf(data)));
        responseSessionId = session.id;
      } else if (sessionEpoch === INITIAL_SESSION_EPOCH) {
        const created = sessions.create(
          nowMs,
          new Set(requested.map((w) => sessionPartitionKey(w.topic, w.partition))).size,
        );
        if (created !== null) {
          created.update(requested, []);
          for (const { slot, data } of answered) {
            const part = created.partitions.get(sessionPartitionKey(slot.topic, slot.index));
            assert(part !== undefined, `session ${created.id} lacks ${slot.topic}-${slot.index}`);
            created.mustAnswer(part, answerOf(data));
          }
          responseSessionId = created.id;
        }
      }
      const byTopic = new Map<string, FetchPartitionData[]>();
      const legacyMagic: LegacyMagic | null = context.apiVersion <= 1 ? 0 : context.apiVersion <= 3 ? 1 : null;
      for (const { slot, data } of answered) {
        const list = byTopic.get(slot.topic) ?? [];
        list.push(legacyMagic === null ? data : downConverted(data, legacyMagic, slot.fetchOffset));
        byTopic.set(slot.topic, list);
      }
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        sessionId: responseSessionId,
        responses: [...byTopic].map(([topic, partitions]) => ({
          topic,
          topicId: '00000000-0000-0000-0000-000000000000',
          partitions,
        })),
        nodeEndpoints: [],
      };
    },
  });
}
