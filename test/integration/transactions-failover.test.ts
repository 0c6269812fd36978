// Transactions across a partition failover, three real node processes and a topic with three
// replicas: followers build the producer state and txn index from the batches they copy, so after
// kill -9 of the leader the new one still holds back the last stable offset behind the open
// transaction, still announces the aborted one, takes the marker that ends the open one, and
// answers it only once write.quorum replicas hold it (NOT_ENOUGH_REPLICAS with too few live).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { buildRecordBatch } from '../../src/storage/record-codec.js';
import { httpJson, startCluster, stopAll, waitFor, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

const TOPIC = 'txn-failover';
/** write.quorum 3: one follower down is too few for acks=all, and the metadata quorum stays up. */
const STRICT = 'txn-strict';
let nodes: NodeProcess[];

async function withClient<T>(node: NodeProcess, run: (client: RawClient) => Promise<T>): Promise<T> {
  const client = await RawClient.connect(node.kafkaPort);
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

function live(): NodeProcess[] {
  return nodes.filter((n) => n.running);
}

async function leader(minEpoch = 0, topic = TOPIC): Promise<NodeProcess> {
  return waitFor(
    `a live leader of ${topic} at epoch >= ${minEpoch}`,
    async () => {
      const views = await Promise.all(
        live().map((n) =>
          withClient(n, (c) =>
            c.request<{ topics: { partitions: { errorCode: number; leaderId: number; leaderEpoch: number }[] }[] }>(
              3,
              9,
              {
                topics: [{ name: topic }],
                allowAutoTopicCreation: false,
                includeTopicAuthorizedOperations: false,
              },
            ),
          ),
        ),
      );
      const ps = views.map((v) => v.topics[0]!.partitions[0]!);
      const first = ps[0]!;
      if (first.errorCode !== 0 || first.leaderEpoch < minEpoch) return null;
      if (!ps.every((p) => p.leaderId === first.leaderId && p.leaderEpoch === first.leaderEpoch)) return null;
      return live().find((n) => n.nodeId === first.leaderId) ?? null;
    },
    30_000,
  );
}

async function produce(node: NodeProcess, value: string, pid: number, seq: number, topic = TOPIC): Promise<number> {
  return withClient(node, async (c) => {
    const batch = buildRecordBatch([{ key: null, value: Buffer.from(value), timestamp: Date.now() }], {
      producerId: pid,
      producerEpoch: 0,
      baseSequence: seq,
      transactional: true,
    });
    const response = await c.request<{ responses: { partitionResponses: { errorCode: number }[] }[] }>(0, 9, {
      transactionalId: `tx-${pid}`,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
    });
    return response.responses[0]!.partitionResponses[0]!.errorCode;
  });
}

async function endTxn(node: NodeProcess, pid: number, committed: boolean, topic = TOPIC): Promise<number> {
  return withClient(node, async (c) => {
    const response = await c.request<{ markers: { topics: { partitions: { errorCode: number }[] }[] }[] }>(27, 1, {
      markers: [
        {
          producerId: pid,
          producerEpoch: 0,
          transactionResult: committed,
          topics: [{ name: topic, partitionIndexes: [0] }],
          coordinatorEpoch: 0,
        },
      ],
    });
    return response.markers[0]!.topics[0]!.partitions[0]!.errorCode;
  });
}

interface Committed {
  highWatermark: number;
  lastStableOffset: number;
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
}

async function readCommitted(node: NodeProcess, topic = TOPIC): Promise<Committed> {
  return withClient(node, async (c) => {
    const response = await c.request<{ responses: { partitions: (Committed & { errorCode: number })[] }[] }>(1, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 1,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          partitions: [
            { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    const p = response.responses[0]!.partitions[0]!;
    expect(p.errorCode).toBe(0);
    return p;
  });
}

beforeAll(async () => {
  // The raw client plays the coordinator too: no coordinator to verify its batches with.
  nodes = await startCluster(3, { extraArgs: ['--transaction-partition-verification-enable', 'false'] });
  const codes = await withClient(nodes[0]!, async (c) => {
    const response = await c.request<{ topics: { errorCode: number }[] }>(19, 5, {
      topics: [
        { name: TOPIC, numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] },
        {
          name: STRICT,
          numPartitions: 1,
          replicationFactor: 3,
          assignments: [],
          configs: [{ name: 'write.quorum', value: '3' }],
        },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    return response.topics.map((t) => t.errorCode);
  });
  expect(codes).toEqual([0, 0]);
}, 60_000);

afterAll(async () => {
  await stopAll();
});

describe('transactions across a leader failover', () => {
  it('the new leader keeps the open transaction, the abort, and takes the marker that ends it', async () => {
    const first = await leader();
    await waitFor('acks=all accepted', async () => (await produce(first, 'aborted', 8000, 0)) === ErrorCode.NONE);
    expect(await produce(first, 'open', 8001, 0)).toBe(ErrorCode.NONE); // 1
    expect(await endTxn(first, 8000, false)).toBe(ErrorCode.NONE); // 2
    const before = await readCommitted(first);
    expect(before).toMatchObject({ highWatermark: 3, lastStableOffset: 1 });
    expect(before.abortedTransactions).toEqual([{ producerId: 8000, firstOffset: 0 }]);

    await first.kill();
    const second = await leader(1);
    expect(second.nodeId).not.toBe(first.nodeId);
    const after = await waitFor('the new leader serving', async () => {
      const c = await readCommitted(second).catch(() => null);
      return c && c.highWatermark >= 3 ? c : null;
    });
    expect(after.lastStableOffset).toBe(1); // producer 8001's transaction is still open
    expect(after.abortedTransactions).toEqual([{ producerId: 8000, firstOffset: 0 }]);

    expect(await endTxn(second, 8001, true)).toBe(ErrorCode.NONE);
    const ended = await readCommitted(second);
    expect(ended.lastStableOffset).toBe(ended.highWatermark);
    expect(ended.abortedTransactions).toEqual([{ producerId: 8000, firstOffset: 0 }]);

    // The old leader comes back as a follower and catches up.
    await first.start();
  });

  it('a marker is refused with NOT_ENOUGH_REPLICAS, nothing appended, while fewer than write.quorum are live', async () => {
    const current = await leader(0, STRICT);
    await waitFor(
      'all three replicas live',
      async () => (await produce(current, 'open', 8002, 0, STRICT)) === 0,
      30_000,
    );
    const follower = live().find((n) => n !== current)!;
    await follower.kill();
    // Until the leader notices (1.5 s without an answer), a marker would be appended and wait for
    // a high watermark that cannot pass it.
    await waitFor('the leader to notice a follower is gone', async () => {
      const view = await httpJson<{ partitions: { role: string; inSyncReplicas: number[] | null }[] }>(
        current,
        `/partitions?topic=${STRICT}`,
      );
      return (view.partitions[0]?.inSyncReplicas?.length ?? 3) < 3;
    });
    expect(await endTxn(current, 8002, true, STRICT)).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    const held = await readCommitted(current, STRICT);
    expect(held).toMatchObject({ highWatermark: 1, lastStableOffset: 0 });
    await follower.start();
    await waitFor(
      'the marker accepted again',
      async () => (await endTxn(current, 8002, true, STRICT)) === ErrorCode.NONE,
      30_000,
    );
    const released = await readCommitted(current, STRICT);
    expect(released).toMatchObject({ highWatermark: 2, lastStableOffset: 2 });
  });
});
