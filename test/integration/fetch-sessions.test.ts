// Fetch sessions (KIP-227) against a real node over real sockets: a full fetch with session epoch 0
// opens a session; incremental fetches (epoch 1, 2, ...) name no partition that did not change,
// and their answers carry only the partitions with new records or a moved high watermark; a
// forgotten partition is no longer answered; epoch -1 closes the session; an unknown session is
// FETCH_SESSION_ID_NOT_FOUND (70) and a wrong epoch INVALID_FETCH_SESSION_EPOCH (71); the cache
// keeps at most max.incremental.fetch.session.cache.slots sessions. A consumer written here the
// way Kafka's FetchSessionHandler works reads 60 partitions while new records land on a few only.
// The real clients installed here do not send incremental fetches (librdkafka 2.0.2 has no
// KIP-227, kafkajs sends epoch -1, @platformatic/kafka epoch 0 and ignores the session it gets),
// so they are run against the same node to show that sessionless and session-opening clients
// still read every record.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../src/storage/record-codec.js';
import { lastOffsetOf, readBatchHeader, splitBatches } from '../../src/storage/record-batch.js';
import { kcat } from '../helpers/kcat.js';
import { startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { kcatAvailable, requireTool } from '../helpers/tools.js';

const SLOTS = 4;
const FETCH_SESSION_ID_NOT_FOUND = 70;
const INVALID_FETCH_SESSION_EPOCH = 71;

let node: NodeProcess;
let client: RawClient;

interface Partition {
  partitionIndex: number;
  errorCode: number;
  highWatermark: number;
  records: Buffer | null;
}

interface FetchAnswer {
  errorCode: number;
  sessionId: number;
  responses: { topic: string; partitions: Partition[] }[];
}

interface FetchArgs {
  sessionId: number;
  sessionEpoch: number;
  topics?: { topic: string; partitions: { partition: number; fetchOffset: number }[] }[];
  forgotten?: { topic: string; partitions: number[] }[];
  maxWaitMs?: number;
}

function fetch(args: FetchArgs, via: RawClient = client): Promise<FetchAnswer> {
  return via.request<FetchAnswer>(1, 11, {
    replicaId: -1,
    maxWaitMs: args.maxWaitMs ?? 0,
    minBytes: 1,
    maxBytes: 50 * 1024 * 1024,
    isolationLevel: 0,
    sessionId: args.sessionId,
    sessionEpoch: args.sessionEpoch,
    topics: (args.topics ?? []).map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        currentLeaderEpoch: -1,
        fetchOffset: p.fetchOffset,
        logStartOffset: -1,
        partitionMaxBytes: 1024 * 1024,
      })),
    })),
    forgottenTopicsData: (args.forgotten ?? []).map((t) => ({ topic: t.topic, partitions: t.partitions })),
    rackId: '',
  });
}

/** Partition index → its answer, for the one topic of a response. */
function answered(response: FetchAnswer): Map<number, Partition> {
  return new Map(response.responses.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p] as const)));
}

function offsetsIn(records: Buffer | null): number[] {
  if (records === null || records.length === 0) return [];
  return splitBatches(records).flatMap((b) => {
    const header = readBatchHeader(b);
    return Array.from({ length: header.lastOffsetDelta + 1 }, (_, i) => header.baseOffset + i);
  });
}

function nextOffset(records: Buffer | null, fetchOffset: number): number {
  if (records === null || records.length === 0) return fetchOffset;
  const batches = splitBatches(records);
  return lastOffsetOf(readBatchHeader(batches[batches.length - 1]!)) + 1;
}

async function createTopic(name: string, partitions: number): Promise<void> {
  const response = await client.request<{ topics: { errorCode: number }[] }>(19, 5, {
    topics: [{ name, numPartitions: partitions, replicationFactor: -1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(response.topics[0]!.errorCode).toBe(0);
}

async function produce(topic: string, partition: number, values: string[]): Promise<void> {
  const batch = buildRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() })));
  const response = await client.request<{ responses: { partitionResponses: { errorCode: number }[] }[] }>(0, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
  });
  expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
}

function allPartitions(topic: string, count: number, offsetOf: (p: number) => number = () => 0) {
  return [{ topic, partitions: Array.from({ length: count }, (_, p) => ({ partition: p, fetchOffset: offsetOf(p) })) }];
}

beforeAll(async () => {
  node = await startSingleNode({ extraArgs: ['--max-incremental-fetch-session-cache-slots', String(SLOTS)] });
  client = await RawClient.connect(node.kafkaPort);
  await createTopic('sessions', 10);
});

afterAll(async () => {
  client?.close();
  await stopAll();
});

describe('fetch sessions (KIP-227, raw protocol)', () => {
  it('opens a session on epoch 0, then answers incremental fetches with only what changed', async () => {
    for (let p = 0; p < 10; p++) await produce('sessions', p, [`first-${p}`]);
    const opened = await fetch({ sessionId: 0, sessionEpoch: 0, topics: allPartitions('sessions', 10) });
    expect(opened.errorCode).toBe(0);
    expect(opened.sessionId).toBeGreaterThan(0);
    const first = answered(opened);
    expect([...first.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const p of first.values()) expect(offsetsIn(p.records)).toEqual([0]);

    // The client moves every fetch offset to 1 (all partitions changed), nothing new arrives.
    const moved = await fetch({
      sessionId: opened.sessionId,
      sessionEpoch: 1,
      topics: allPartitions('sessions', 10, () => 1),
    });
    expect(moved.errorCode).toBe(0);
    expect(moved.sessionId).toBe(opened.sessionId);
    expect(answered(moved).size).toBe(0);

    // New records on partitions 3 and 7 only: an incremental fetch naming no partition gets those two.
    await produce('sessions', 3, ['a', 'b']);
    await produce('sessions', 7, ['c']);
    const changed = answered(await fetch({ sessionId: opened.sessionId, sessionEpoch: 2, maxWaitMs: 2000 }));
    expect([...changed.keys()].sort((a, b) => a - b)).toEqual([3, 7]);
    expect(offsetsIn(changed.get(3)!.records)).toEqual([1, 2]);
    expect(changed.get(3)!.highWatermark).toBe(3);
    expect(offsetsIn(changed.get(7)!.records)).toEqual([1]);

    // The client sends the two new fetch offsets; nothing else moved, so nothing is answered.
    const quiet = await fetch({
      sessionId: opened.sessionId,
      sessionEpoch: 3,
      topics: [
        {
          topic: 'sessions',
          partitions: [
            { partition: 3, fetchOffset: 3 },
            { partition: 7, fetchOffset: 2 },
          ],
        },
      ],
    });
    expect(quiet.errorCode).toBe(0);
    expect(answered(quiet).size).toBe(0);

    // A forgotten partition is no longer read: new records on 3 and 5, only 5 is answered.
    await produce('sessions', 3, ['d']);
    await produce('sessions', 5, ['e']);
    const afterForget = answered(
      await fetch({
        sessionId: opened.sessionId,
        sessionEpoch: 4,
        forgotten: [{ topic: 'sessions', partitions: [3] }],
      }),
    );
    expect([...afterForget.keys()]).toEqual([5]);
    expect(offsetsIn(afterForget.get(5)!.records)).toEqual([1]);

    // Epoch -1 with the id closes the session: a full answer without a session, then the id is gone.
    const closed = await fetch({
      sessionId: opened.sessionId,
      sessionEpoch: -1,
      topics: allPartitions('sessions', 10),
    });
    expect(closed.errorCode).toBe(0);
    expect(closed.sessionId).toBe(0);
    expect(answered(closed).size).toBe(10);
    const gone = await fetch({ sessionId: opened.sessionId, sessionEpoch: 5 });
    expect(gone.errorCode).toBe(FETCH_SESSION_ID_NOT_FOUND);
    expect(gone.sessionId).toBe(0);
    expect(gone.responses).toEqual([]);
  });

  it('refuses an unknown session and a wrong epoch, and a refused fetch leaves the session as it was', async () => {
    expect((await fetch({ sessionId: 0, sessionEpoch: 1 })).errorCode).toBe(FETCH_SESSION_ID_NOT_FOUND);
    expect((await fetch({ sessionId: 123_456, sessionEpoch: 1 })).errorCode).toBe(FETCH_SESSION_ID_NOT_FOUND);
    const opened = await fetch({ sessionId: 0, sessionEpoch: 0, topics: allPartitions('sessions', 2) });
    expect(opened.sessionId).toBeGreaterThan(0);
    for (const epoch of [2, 0x7fffffff, -2]) {
      const wrong = await fetch({ sessionId: opened.sessionId, sessionEpoch: epoch });
      expect(wrong.errorCode).toBe(INVALID_FETCH_SESSION_EPOCH);
      expect(wrong.sessionId).toBe(0);
    }
    const right = await fetch({ sessionId: opened.sessionId, sessionEpoch: 1 });
    expect(right.errorCode).toBe(0);
    // The same epoch twice: the second is refused (the first moved the session on).
    expect((await fetch({ sessionId: opened.sessionId, sessionEpoch: 1 })).errorCode).toBe(INVALID_FETCH_SESSION_EPOCH);
    // An epoch-0 fetch naming the session replaces it with a new one.
    const replaced = await fetch({
      sessionId: opened.sessionId,
      sessionEpoch: 0,
      topics: allPartitions('sessions', 1),
    });
    expect(replaced.sessionId).toBeGreaterThan(0);
    expect(replaced.sessionId).not.toBe(opened.sessionId);
    expect((await fetch({ sessionId: opened.sessionId, sessionEpoch: 2 })).errorCode).toBe(FETCH_SESSION_ID_NOT_FOUND);
    await fetch({ sessionId: replaced.sessionId, sessionEpoch: -1 });
  });

  it('long-polls an incremental fetch over the session partitions it does not name', async () => {
    await createTopic('polled', 3);
    const opened = await fetch({ sessionId: 0, sessionEpoch: 0, topics: allPartitions('polled', 3) });
    expect(opened.sessionId).toBeGreaterThan(0);
    // Names no partition, waits for data: a record on partition 2 during the wait answers it.
    const waiting = fetch({ sessionId: opened.sessionId, sessionEpoch: 1, maxWaitMs: 20_000 });
    const writer = await RawClient.connect(node.kafkaPort);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const batch = buildRecordBatch([{ key: null, value: Buffer.from('late'), timestamp: Date.now() }]);
      await writer.request(0, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 10_000,
        topicData: [{ name: 'polled', partitionData: [{ index: 2, records: batch }] }],
      });
    } finally {
      writer.close();
    }
    const answer = answered(await waiting);
    expect([...answer.keys()]).toEqual([2]);
    expect(offsetsIn(answer.get(2)!.records)).toEqual([0]);
    await fetch({ sessionId: opened.sessionId, sessionEpoch: -1 });
  });

  it('keeps at most max.incremental.fetch.session.cache.slots sessions; a closed one frees its slot', async () => {
    const ids: number[] = [];
    for (let i = 0; i < SLOTS; i++) {
      const opened = await fetch({ sessionId: 0, sessionEpoch: 0, topics: allPartitions('sessions', 1) });
      expect(opened.sessionId).toBeGreaterThan(0);
      ids.push(opened.sessionId);
    }
    // Full, and no session is stale (unused 120 s) or old enough to give way: served without one.
    const refused = await fetch({ sessionId: 0, sessionEpoch: 0, topics: allPartitions('sessions', 10) });
    expect(refused.errorCode).toBe(0);
    expect(refused.sessionId).toBe(0);
    expect(answered(refused).size).toBe(10);
    await fetch({ sessionId: ids[0]!, sessionEpoch: -1 });
    const again = await fetch({ sessionId: 0, sessionEpoch: 0, topics: allPartitions('sessions', 1) });
    expect(again.sessionId).toBeGreaterThan(0);
    for (const id of [...ids.slice(1), again.sessionId]) await fetch({ sessionId: id, sessionEpoch: -1 });
  });

  it('serves a session consumer of 60 partitions every record once while only some partitions get new ones', async () => {
    const PARTITIONS = 60;
    await createTopic('wide', PARTITIONS);
    const consumer = await RawClient.connect(node.kafkaPort);
    try {
      const position = new Array<number>(PARTITIONS).fill(0);
      const seen = new Map<number, number[]>();
      const opened = await fetch(
        { sessionId: 0, sessionEpoch: 0, topics: allPartitions('wide', PARTITIONS) },
        consumer,
      );
      expect(opened.sessionId).toBeGreaterThan(0);
      expect(answered(opened).size).toBe(PARTITIONS);
      let epoch = 1;
      const produced = new Map<number, number>();
      let answeredPartitions = 0;
      for (let round = 0; round < 12; round++) {
        // Each round writes to three partitions of the sixty.
        const hot = [(round * 7) % PARTITIONS, (round * 13 + 5) % PARTITIONS, (round * 29 + 11) % PARTITIONS];
        for (const p of new Set(hot)) {
          const count = (produced.get(p) ?? 0) + 1;
          await produce('wide', p, [`r${round}-p${p}-${count}`]);
          produced.set(p, count);
        }
        // As FetchSessionHandler does: the next request names only partitions whose position moved.
        const changed: { partition: number; fetchOffset: number }[] = [];
        for (let fetches = 0; fetches < 5 && [...produced].some(([p, n]) => position[p]! < n); fetches++) {
          const response = await fetch(
            {
              sessionId: opened.sessionId,
              sessionEpoch: epoch,
              topics: changed.length > 0 ? [{ topic: 'wide', partitions: changed.splice(0) }] : [],
              maxWaitMs: 1000,
            },
            consumer,
          );
          expect(response.errorCode).toBe(0);
          expect(response.sessionId).toBe(opened.sessionId);
          epoch++;
          for (const [p, part] of answered(response)) {
            expect(part.errorCode).toBe(0);
            answeredPartitions++;
            const offsets = offsetsIn(part.records);
            seen.set(p, [...(seen.get(p) ?? []), ...offsets]);
            const next = nextOffset(part.records, position[p]!);
            if (next !== position[p]) {
              position[p] = next;
              changed.push({ partition: p, fetchOffset: next });
            }
          }
        }
        if (changed.length > 0) {
          // Tell the session the last positions before the next round.
          const ack = await fetch(
            { sessionId: opened.sessionId, sessionEpoch: epoch, topics: [{ topic: 'wide', partitions: changed }] },
            consumer,
          );
          expect(ack.errorCode).toBe(0);
          expect(answered(ack).size).toBe(0);
          epoch++;
        }
      }
      for (let p = 0; p < PARTITIONS; p++) {
        const n = produced.get(p) ?? 0;
        expect(seen.get(p) ?? [], `partition ${p}`).toEqual(Array.from({ length: n }, (_, i) => i));
      }
      // Each round answered only the partitions written to, never all sixty.
      expect(answeredPartitions).toBe([...produced.values()].reduce((a, b) => a + b, 0));
      await fetch({ sessionId: opened.sessionId, sessionEpoch: -1 }, consumer);
    } finally {
      consumer.close();
    }
  });
});

describe.runIf(requireTool('kcat', kcatAvailable))('real clients beside sessions', () => {
  it('kcat (librdkafka, no sessions) and kafkajs read 40 partitions written unevenly', async () => {
    await createTopic('uneven', 40);
    const expected: string[] = [];
    for (let p = 0; p < 40; p += 3) {
      const values = Array.from({ length: (p % 4) + 1 }, (_, i) => `p${p}-${i}`);
      await produce('uneven', p, values);
      expected.push(...values);
    }
    const bootstrap = `127.0.0.1:${node.kafkaPort}`;
    const read = await kcat(['-b', bootstrap, '-C', '-t', 'uneven', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
    expect(read.code).toBe(0);
    expect(read.stdout.trim().split('\n').sort()).toEqual([...expected].sort());

    const kafka = new Kafka({ clientId: 'sessions-test', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'sessions-kafkajs', maxWaitTimeInMs: 100 });
    const got: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'uneven', fromBeginning: true });
      let resolveAll: () => void = () => undefined;
      const all = new Promise<void>((resolve) => (resolveAll = resolve));
      await consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message.value!.toString());
          if (got.length === expected.length) resolveAll();
        },
      });
      await all;
      // Then new records on two partitions only reach it too.
      await produce('uneven', 1, ['late-1']);
      await produce('uneven', 38, ['late-38']);
      const deadline = Date.now() + 20_000;
      while (got.length < expected.length + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await consumer.disconnect();
    }
    expect(got.sort()).toEqual([...expected, 'late-1', 'late-38'].sort());
  }, 60_000);
});
