// Log compaction on three real node processes: every replica cleans its own log below its own
// high watermark; kill -9 of the leader while the cleaners run (and while kafkajs keeps writing
// with acks=all) loses no latest acknowledged value of any key; each replica that leads in turn
// serves, at every offset it still has, the same record; a follower that comes back copies the
// leader's compacted range (offsets missing between batches) and leads from it; and a consumer
// group's commits survive the compaction of __consumer_offsets and a coordinator failover.
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRecords, splitBatches } from '../../src/storage/index.js';
import { httpJson, startCluster, stopAll, waitFor, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

const TOPIC = 'compacted-rf3';
const KEYS = 300;

interface PartitionView {
  topic: string;
  partition: number;
  role: 'leader' | 'follower';
  leaderEpoch: number;
  logEndOffset: number;
  highWatermark: number;
}

interface Consumed {
  readonly offset: number;
  readonly key: string;
  readonly value: string | null;
}

let nodes: NodeProcess[];
let kafka: Kafka;

const live = () => nodes.filter((n) => n.running);

async function leaderOf(topic: string, minEpoch = 0): Promise<{ node: NodeProcess; epoch: number }> {
  return waitFor(
    `a leader of ${topic}-0 at epoch >= ${minEpoch}`,
    async () => {
      for (const node of live()) {
        const { partitions } = await httpJson<{ partitions: PartitionView[] }>(node, `/partitions?topic=${topic}`);
        const p = partitions.find((v) => v.partition === 0);
        if (p?.role === 'leader' && p.leaderEpoch >= minEpoch) return { node, epoch: p.leaderEpoch };
      }
      return null;
    },
    20_000,
    100,
  );
}

async function cleanerPasses(node: NodeProcess): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('brook_log_cleaner_passes_total '));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

/** Every record from the beginning, as the current leader serves it. */
async function consumeAll(): Promise<Consumed[]> {
  const admin = kafka.admin();
  await admin.connect();
  const end = Number((await admin.fetchTopicOffsets(TOPIC))[0]!.high);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `reader-${Date.now()}-${Math.random()}` });
  const seen: Consumed[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    let done = end === 0;
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({
          offset: Number(message.offset),
          key: message.key!.toString(),
          value: message.value?.toString() ?? null,
        });
        if (Number(message.offset) >= end - 1) done = true;
      },
    });
    await waitFor('the consumer to reach the end', () => Promise.resolve(done), 60_000);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

beforeAll(async () => {
  nodes = await startCluster(3, {
    extraArgs: [
      '--log-cleaner-backoff-ms',
      '50',
      '--offsets-topic-partitions',
      '1',
      '--offsets-topic-segment-bytes',
      '4096',
      '--auto-create-topics',
      'false',
    ],
  });
  kafka = new Kafka({
    clientId: 'compaction-replication',
    brokers: nodes.map((n) => n.bootstrap),
    logLevel: logLevel.NOTHING,
    retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      {
        topic: TOPIC,
        replicationFactor: 3,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'segment.bytes', value: '8192' },
          { name: 'min.cleanable.dirty.ratio', value: '0.01' },
        ],
      },
    ],
  });
  await admin.disconnect();
}, 90_000);

afterAll(async () => {
  await stopAll();
});

describe('a compacted topic on three replicas', () => {
  /** The latest acknowledged value of each key and the offset it was acknowledged at. */
  const latest = new Map<string, { offset: number; value: string }>();
  let producer: Producer;

  async function writeRound(round: number): Promise<void> {
    for (let k = 0; k < KEYS; k += 50) {
      const messages = [];
      for (let j = k; j < k + 50; j++) messages.push({ key: `key-${j}`, value: `round-${round}-${j}` });
      const [result] = await producer.send({ topic: TOPIC, acks: -1, messages });
      const base = Number(result!.baseOffset);
      messages.forEach((m, i) => latest.set(m.key, { offset: base + i, value: m.value }));
    }
  }

  function checkLatest(records: readonly Consumed[]): void {
    const last = new Map<string, Consumed>();
    for (const r of records) last.set(r.key, r);
    for (const [key, { offset, value }] of latest) expect(last.get(key), key).toEqual({ offset, key, value });
    for (let i = 1; i < records.length; i++) expect(records[i]!.offset).toBeGreaterThan(records[i - 1]!.offset);
  }

  it('loses no latest acknowledged value when the leader is killed while the cleaners run', async () => {
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (let round = 0; round < 6; round++) await writeRound(round);
      // Every replica has cleaned (each below its own high watermark).
      await waitFor(
        'every replica to clean',
        async () => (await Promise.all(nodes.map(cleanerPasses))).every((n) => n > 0),
        60_000,
        100,
      );
      const { node: first, epoch } = await leaderOf(TOPIC);
      const writing = (async () => {
        for (let round = 6; round < 12; round++) await writeRound(round);
      })();
      await first.kill();
      await writing;
      await leaderOf(TOPIC, epoch + 1);
      checkLatest(await consumeAll());
      await first.start();
    } finally {
      await producer.disconnect();
    }
  }, 180_000);

  it('serves the same record at every offset from whichever replica leads', async () => {
    // Let the restarted replica catch up from the compacted range, then make each replica lead in turn.
    const reads: Consumed[][] = [];
    let epoch = (await leaderOf(TOPIC)).epoch;
    for (let turn = 0; turn < 3; turn++) {
      await waitFor(
        'the followers to catch up',
        async () => {
          const views = await Promise.all(
            live().map(async (n) => {
              const { partitions } = await httpJson<{ partitions: PartitionView[] }>(n, `/partitions?topic=${TOPIC}`);
              return partitions.find((p) => p.partition === 0)!;
            }),
          );
          const leader = views.find((v) => v.role === 'leader');
          return leader !== undefined && views.every((v) => v.logEndOffset === leader.logEndOffset);
        },
        30_000,
        100,
      );
      const records = await consumeAll();
      checkLatest(records);
      reads.push(records);
      const { node } = await leaderOf(TOPIC);
      await node.kill();
      epoch = (await leaderOf(TOPIC, epoch + 1)).epoch;
      await node.start();
    }
    const byOffset = new Map<number, Consumed>();
    for (const records of reads) {
      for (const r of records) {
        const seen = byOffset.get(r.offset);
        if (seen !== undefined) expect(r, `offset ${r.offset}`).toEqual(seen);
        byOffset.set(r.offset, r);
      }
    }
  }, 240_000);
});

describe('__consumer_offsets on three replicas', () => {
  it('keeps a group committed offsets across its compaction and a coordinator failover', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const topic = 'tracked-rf3';
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 3 }] });
    const groupId = 'committer-rf3';
    // Simple commits (no member, as admin tools do); a kafkajs member would also commit its own
    // resolved start offsets concurrently.
    const { node: coordinatorBefore } = await leaderOf('__consumer_offsets');
    const client = await RawClient.connect(coordinatorBefore.kafkaPort);
    try {
      for (let i = 1; i <= 200; i++) {
        const answer = await client.request<{ topics: { partitions: { errorCode: number }[] }[] }>(8, 8, {
          groupId,
          generationIdOrMemberEpoch: -1,
          memberId: '',
          groupInstanceId: null,
          topics: [
            {
              name: topic,
              partitions: [0, 1].map((p) => ({
                partitionIndex: p,
                committedOffset: i * 10 + p,
                committedLeaderEpoch: -1,
                committedMetadata: null,
              })),
            },
          ],
        });
        expect(answer.topics[0]!.partitions.map((p) => p.errorCode)).toEqual([0, 0]);
      }
    } finally {
      client.close();
    }
    const wanted = [0, 1].map((partition) => ({ partition, offset: String(2000 + partition) }));
    const fetched = async () =>
      (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions
        .map(({ partition, offset }) => ({ partition, offset }))
        .sort((a, b) => a.partition - b.partition);
    expect(await fetched()).toEqual(wanted);
    const { node: coordinator, epoch } = await leaderOf('__consumer_offsets');
    // Compacted on the coordinator: the partition holds about one record per key, of 400 commits.
    const stored = async (): Promise<{ records: number; highWatermark: number }> => {
      const reader = await RawClient.connect(coordinator.kafkaPort);
      try {
        const data = await reader.fetchPartition('__consumer_offsets', 0, 0, 64 << 20);
        const batches = data.records === null || data.records.length === 0 ? [] : splitBatches(data.records);
        const records = batches.reduce((n, b) => n + decodeRecords(b).length, 0);
        return { records, highWatermark: Number(data.highWatermark) };
      } finally {
        reader.close();
      }
    };
    const compacted = await waitFor(
      'the coordinator to compact __consumer_offsets',
      async () => {
        const now = await stored();
        return now.records < 50 ? now : null;
      },
      30_000,
      200,
    );
    expect(compacted.highWatermark).toBeGreaterThanOrEqual(400);
    await coordinator.kill();
    await leaderOf('__consumer_offsets', epoch + 1);
    const after = await waitFor(
      'the new coordinator to load',
      async () => {
        const partitions = await fetched().catch(() => null);
        return partitions?.[0]?.offset !== '-1' ? partitions : null;
      },
      30_000,
      200,
    );
    expect(after).toEqual(wanted);
    await admin.disconnect();
    await coordinator.start();
  }, 180_000);
});
