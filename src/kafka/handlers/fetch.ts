// Fetch (key 1), versions 4-12. Whole batches from the one containing fetchOffset up to the high
// watermark (no transactions, so the last stable offset equals it), at least one batch even past
// maxBytes (KIP-74). Long polling: with fewer than minBytes available the request waits until a
// high watermark of one of its partitions moves or maxWaitMs passes. Fetch sessions (KIP-227)
// are declined: every response carries sessionId 0, so clients send full fetches.
import { ErrorCode, KafkaError, limits } from '../../common/index.js';
import type { Replica } from '../../replication/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { FetchPartitionData, FetchRequest, FetchResponse } from '../protocol/messages/fetch.js';
import { errorOf } from './common.js';
import { leaderFor } from './partition-access.js';

const READ_COMMITTED = 1;
const EMPTY = Buffer.alloc(0);

interface Slot {
  readonly topic: string;
  readonly index: number;
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
  readonly partition: Replica | null;
  readonly error: unknown;
}

function emptyData(index: number): FetchPartitionData {
  return {
    partitionIndex: index,
    errorCode: ErrorCode.NONE,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    divergingEpoch: { epoch: -1, endOffset: -1 },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

export function fetchHandler(ctx: BrokerContext) {
  async function readAll(slots: readonly Slot[], maxBytes: number, readCommitted: boolean) {
    let remaining = maxBytes;
    let total = 0;
    let anyError = false;
    const results: FetchPartitionData[] = [];
    for (const slot of slots) {
      const data = emptyData(slot.index);
      if (slot.partition === null) {
        results.push({ ...data, errorCode: errorOf(slot.error, ctx.log).errorCode });
        anyError = true;
        continue;
      }
      const p = slot.partition;
      try {
        // Leadership may have moved during a long poll: send the client to the new leader.
        if (!p.isLeader)
          throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${slot.topic}-${slot.index} is no longer led here`);
        if (slot.fetchOffset < p.logStartOffset || slot.fetchOffset > p.logEndOffset) {
          throw new KafkaError(
            ErrorCode.OFFSET_OUT_OF_RANGE,
            `offset ${slot.fetchOffset} outside [${p.logStartOffset}, ${p.logEndOffset}]`,
          );
        }
        let records: Buffer[] | Buffer = EMPTY;
        // The first partition with data may exceed the limits by one batch (KIP-74).
        const budget = Math.min(slot.partitionMaxBytes, total === 0 ? Math.max(remaining, 1) : remaining);
        if (slot.fetchOffset < p.highWatermark && budget > 0) {
          const read = await p.read(slot.fetchOffset, budget);
          records = read.chunks;
          remaining -= read.bytes;
          total += read.bytes;
        }
        results.push({
          ...data,
          highWatermark: p.highWatermark,
          lastStableOffset: p.lastStableOffset,
          logStartOffset: p.logStartOffset,
          abortedTransactions: readCommitted ? [] : null,
          records,
        });
      } catch (err) {
        anyError = true;
        results.push({
          ...data,
          errorCode: errorOf(err, ctx.log).errorCode,
          highWatermark: p.highWatermark,
          logStartOffset: p.logStartOffset,
        });
      }
    }
    return { results, total, anyError };
  }

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
    minVersion: 4,
    maxVersion: 12,
    async handle(request, context) {
      if (context.apiVersion >= 7 && request.sessionId !== 0) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
          sessionId: 0,
          responses: [],
          nodeEndpoints: [],
        };
      }
      const slots: Slot[] = [];
      for (const topic of request.topics) {
        for (const p of topic.partitions) {
          let partition: Replica | null = null;
          let error: unknown = null;
          try {
            partition = leaderFor(ctx, topic.topic, p.partition, p.currentLeaderEpoch);
          } catch (err) {
            error = err;
          }
          slots.push({
            topic: topic.topic,
            index: p.partition,
            fetchOffset: p.fetchOffset,
            partitionMaxBytes: p.partitionMaxBytes,
            partition,
            error,
          });
        }
      }
      const readCommitted = request.isolationLevel === READ_COMMITTED;
      const maxBytes = request.maxBytes > 0 ? request.maxBytes : Number.MAX_SAFE_INTEGER;
      let read = await readAll(slots, maxBytes, readCommitted);
      const deadline = Date.now() + Math.min(Math.max(request.maxWaitMs, 0), limits.fetchMaxWaitMsMax);
      while (
        !read.anyError &&
        read.total < Math.max(request.minBytes, 1) &&
        Date.now() < deadline &&
        !context.connection.isClosed
      ) {
        await waitForData(slots, deadline - Date.now());
        read = await readAll(slots, maxBytes, readCommitted);
      }
      const byTopic = new Map<string, FetchPartitionData[]>();
      slots.forEach((slot, i) => {
        const list = byTopic.get(slot.topic) ?? [];
        list.push(read.results[i]!);
        byTopic.set(slot.topic, list);
      });
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        sessionId: 0,
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
