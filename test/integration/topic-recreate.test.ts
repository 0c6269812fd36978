// A topic deleted and recreated under the same name while one of its replicas is down: when that
// node returns, its log of the topic must be the new topic's (exactly the records written since the
// recreation), never the deleted topic's records under the new name. Each partition directory
// records its topic id (partition.metadata), so the stale log is recognized and replaced.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { PartitionLog, buildRecordBatch, decodeRecords, makeLogConfig, splitBatches } from '../../src/storage/index.js';
import { httpJson, startCluster, stopAll, waitFor, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

interface PartitionView {
  topic: string;
  partition: number;
  role: 'leader' | 'follower';
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
}

let nodes: NodeProcess[];

async function withClient<T>(node: NodeProcess, run: (client: RawClient) => Promise<T>): Promise<T> {
  const client = await RawClient.connect(node.kafkaPort);
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

/** CreateTopics v7 (answers the topic id); with `replicas`, one partition placed exactly there. */
async function createTopic(
  via: NodeProcess,
  topic: string,
  replicas: number[] | null,
): Promise<{ errorCode: number; topicId: string }> {
  return withClient(via, async (c) => {
    const response = await c.request<{ topics: { errorCode: number; topicId: string }[] }>(19, 7, {
      topics: [
        {
          name: topic,
          numPartitions: replicas ? -1 : 1,
          replicationFactor: replicas ? -1 : 3,
          assignments: replicas ? [{ partitionIndex: 0, brokerIds: replicas }] : [],
          configs: [],
        },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    return response.topics[0]!;
  });
}

async function deleteTopic(via: NodeProcess, topic: string): Promise<number> {
  return withClient(via, async (c) => {
    const response = await c.request<{ responses: { errorCode: number }[] }>(20, 4, {
      topicNames: [topic],
      timeoutMs: 5000,
    });
    return response.responses[0]!.errorCode;
  });
}

/** The partition's leader as `via` reports it, once it is live. */
async function leaderOf(via: NodeProcess, topic: string): Promise<NodeProcess> {
  return waitFor(`a leader of ${topic}-0`, async () => {
    const response = await withClient(via, (c) =>
      c.request<{ topics: { errorCode: number; partitions: { leaderId: number }[] }[] }>(3, 9, {
        topics: [{ name: topic }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      }),
    );
    const found = response.topics[0]!;
    if (found.errorCode !== 0) return null;
    return nodes.find((n) => n.nodeId === found.partitions[0]?.leaderId && n.running);
  });
}

async function viewOf(node: NodeProcess, topic: string): Promise<PartitionView | undefined> {
  const body = await httpJson<{ partitions: PartitionView[] }>(node, `/partitions?topic=${topic}`);
  return body.partitions.find((p) => p.partition === 0);
}

/** Produces one acks=all batch of `values` to the current leader (retrying while it settles); returns its base offset. */
async function produceAcked(via: NodeProcess, topic: string, values: string[]): Promise<number> {
  const now = Date.now();
  const batch = buildRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: now })));
  return waitFor(`an acknowledged produce to ${topic}`, async () => {
    const leader = await leaderOf(via, topic);
    const response = await withClient(leader, (c) =>
      c.request<{ responses: { partitionResponses: { errorCode: number; baseOffset: number }[] }[] }>(0, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: Buffer.from(batch) }] }],
      }),
    );
    const result = response.responses[0]!.partitionResponses[0]!;
    return result.errorCode === 0 ? result.baseOffset : null;
  });
}

function partitionDir(node: NodeProcess, topic: string): string {
  return path.join(node.dataDir, 'topics', `${topic}-0`);
}

/** Every record value in a stopped node's log of the partition, read from its data directory. */
async function valuesOnDisk(node: NodeProcess, topic: string): Promise<{ values: string[]; logStartOffset: number }> {
  const log = await PartitionLog.open(partitionDir(node, topic), makeLogConfig({}), silentLogger);
  try {
    const values: string[] = [];
    if (log.logEndOffset > log.logStartOffset) {
      const { chunks } = await log.read(log.logStartOffset, 64 << 20, log.logEndOffset);
      for (const batch of splitBatches(Buffer.concat(chunks)))
        for (const record of decodeRecords(batch)) values.push(record.value?.toString() ?? '');
    }
    return { values, logStartOffset: log.logStartOffset };
  } finally {
    await log.close();
  }
}

beforeAll(async () => {
  nodes = await startCluster(3);
});

afterAll(async () => {
  await stopAll();
});

/**
 * Creates `topic` (RF 3) with ten records on every replica, kills a follower, deletes the topic and
 * creates it again on `replicasOf(stayed, away)`; returns the away node and the two topic ids.
 */
async function recreateWhileAway(
  topic: string,
  replicasOf: (stayed: NodeProcess[], away: NodeProcess) => number[],
): Promise<{ away: NodeProcess; stayed: NodeProcess[]; firstId: string; secondId: string }> {
  // Placement needs every broker heard from lately; right after start-up (or under load) it may not be yet.
  const first = await waitFor('the topic created', async () => {
    const result = await createTopic(nodes[0]!, topic, null);
    return result.errorCode === 0 ? result : null;
  });
  expect(
    await produceAcked(
      nodes[0]!,
      topic,
      Array.from({ length: 10 }, (_, i) => `old-${i}`),
    ),
  ).toBe(0);
  for (const node of nodes) {
    await waitFor(
      `node ${node.nodeId} holding the old records`,
      async () => (await viewOf(node, topic))?.logEndOffset === 10,
    );
  }
  const leader = await leaderOf(nodes[0]!, topic);
  const away = nodes.find((n) => n !== leader && n.running)!;
  const stayed = nodes.filter((n) => n !== away);
  await away.kill();
  await waitFor('the old topic deleted', async () => (await deleteTopic(stayed[0]!, topic)) === 0);
  const second = await waitFor('the topic created again', async () => {
    const result = await createTopic(stayed[0]!, topic, replicasOf(stayed, away));
    return result.errorCode === 0 ? result : null;
  });
  expect(second.topicId).not.toBe(first.topicId);
  return { away, stayed, firstId: first.topicId, secondId: second.topicId };
}

describe('a topic deleted and recreated while a replica is down', () => {
  it("gives the returning replica the new topic's log, not the deleted topic's", async () => {
    const topic = 'reborn';
    // Same name, new incarnation, led by a node that stayed; the away node is a replica again.
    const { away, stayed, secondId } = await recreateWhileAway(topic, (stayed, away) => [
      stayed[0]!.nodeId,
      stayed[1]!.nodeId,
      away.nodeId,
    ]);
    const newValues = ['new-0', 'new-1', 'new-2'];
    expect(await produceAcked(stayed[0]!, topic, newValues)).toBe(0);

    // Back: it must catch up to exactly the new topic's log (3 records, not the old 10 or a mix).
    await away.start();
    const view = await waitFor(
      'the returning replica in step with the new leader',
      async () => {
        const v = await viewOf(away, topic);
        return v && v.logEndOffset === 3 && v.highWatermark === 3 ? v : null;
      },
      10_000,
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}; its view: ${JSON.stringify(await viewOf(away, topic).catch(() => null))}`);
    });
    expect(view.role).toBe('follower');
    expect(view.logStartOffset).toBe(0);

    // What it holds, read from its disk after a clean stop: the new records only, under the new id.
    expect(await away.stop()).toBe(0);
    expect(await valuesOnDisk(away, topic)).toEqual({ values: newValues, logStartOffset: 0 });
    const recorded = fs.readFileSync(path.join(partitionDir(away, topic), 'partition.metadata'), 'utf8');
    expect(recorded).toBe(`version: 0\ntopic_id: ${secondId}\n`);
    await away.start();
  }, 30_000);

  it("removes the deleted topic's log from a returning node that is not a replica of the new one", async () => {
    const topic = 'reborn-elsewhere';
    const { away, stayed } = await recreateWhileAway(topic, (stayed) => [stayed[0]!.nodeId, stayed[1]!.nodeId]);
    expect(fs.existsSync(partitionDir(away, topic))).toBe(true);
    await away.start();
    // Nothing opens this partition on the returning node (it is no replica of the new topic), so
    // only the orphan check at start-up can catch it: the log recording the old topic id goes.
    await waitFor('the stale directory removed', async () => !fs.existsSync(partitionDir(away, topic)), 5_000);
    expect(await viewOf(away, topic)).toBeUndefined();
    expect(await produceAcked(stayed[0]!, topic, ['new-0'])).toBe(0);
  }, 30_000);
});
