// The produce stage timings (src/common/metrics-stages.ts) on a real three-node cluster: acks=all
// produces to a replication-factor-3 partition are counted in every stage of
// brook_kafka_produce_stage_seconds on the partition's leader, the followers count the append calls that
// carried them in brook_replication_follower_append_seconds, and the leader's follower_append_fsync counts the
// same calls from the times the followers report in their answers.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCE_STAGES } from '../../src/common/index.js';
import { httpJson, startCluster, stopAll, waitFor, type NodeProcess } from '../helpers/node-process.js';

const TOPIC = 'stages';
const PRODUCES = 20;

interface Histogram {
  readonly count: number;
  readonly sumSeconds: number;
}

/** The _count and _sum of one histogram series in a node's /metrics text ({} when absent). */
async function histograms(node: NodeProcess, name: string, label?: string): Promise<Map<string, Histogram>> {
  const text = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
  const series = new Map<string, { count: number; sumSeconds: number }>();
  for (const line of text.split('\n')) {
    const match = /^(\w+)_(count|sum)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const key = label === undefined ? '' : (new RegExp(`${label}="([^"]*)"`).exec(match[3] ?? '')?.[1] ?? '');
    const entry = series.get(key) ?? { count: 0, sumSeconds: 0 };
    if (match[2] === 'count') entry.count = Number(match[4]);
    else entry.sumSeconds = Number(match[4]);
    series.set(key, entry);
  }
  return series;
}

const stagesOf = (node: NodeProcess) => histograms(node, 'brook_kafka_produce_stage_seconds', 'stage');
const replicaAppendsOf = async (node: NodeProcess) =>
  (await histograms(node, 'brook_replication_follower_append_seconds')).get('') ?? { count: 0, sumSeconds: 0 };

function delta(after: Map<string, Histogram>, before: Map<string, Histogram>, stage: string): Histogram {
  const a = after.get(stage) ?? { count: 0, sumSeconds: 0 };
  const b = before.get(stage) ?? { count: 0, sumSeconds: 0 };
  return { count: a.count - b.count, sumSeconds: a.sumSeconds - b.sumSeconds };
}

describe('produce stage timings on three nodes', () => {
  let nodes: NodeProcess[] = [];
  let kafka: Kafka;

  beforeAll(async () => {
    nodes = await startCluster(3);
    kafka = new Kafka({ brokers: nodes.map((n) => n.bootstrap), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3 }],
    });
    await admin.disconnect();
  }, 90_000);

  afterAll(async () => {
    await stopAll();
  });

  it('counts each acks=all produce in every stage on the leader, and the followers their append calls', async () => {
    const leader = await waitFor('a leader of the topic that every replica follows', async () => {
      const views = await Promise.all(
        nodes.map((n) =>
          httpJson<{ partitions: { topic: string; role: string; highWatermark: number }[] }>(n, `/partitions`),
        ),
      );
      const led = views.findIndex((v) => v.partitions.some((p) => p.topic === TOPIC && p.role === 'leader'));
      return led >= 0 ? nodes[led] : null;
    });
    const followers = nodes.filter((n) => n !== leader);
    const stagesBefore = await stagesOf(leader);
    const leaderSideBefore = await Promise.all(nodes.map(stagesOf));
    const appendsBefore = await Promise.all(followers.map(replicaAppendsOf));

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    // One at a time: each request is its own batch, and each waits for the high watermark.
    for (let i = 0; i < PRODUCES; i++)
      await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: `record-${i}` }] });
    await producer.disconnect();

    const stages = await stagesOf(leader);
    for (const stage of ['queued', 'leader_append_fsync', 'hw_to_response'])
      expect(delta(stages, stagesBefore, stage).count, stage).toBeGreaterThanOrEqual(PRODUCES);
    // Each produce is covered once a follower answers a call that holds it and no later batch.
    for (const stage of ['peer_queue', 'to_followers', 'follower_append_fsync', 'back_to_leader'])
      expect(delta(stages, stagesBefore, stage).count, stage).toBeGreaterThanOrEqual(PRODUCES);
    // Times are real: the followers' reports reach the leader (a missing report reads as zero).
    for (const stage of PRODUCE_STAGES) expect(delta(stages, stagesBefore, stage).sumSeconds, stage).toBeGreaterThan(0);

    // Every call a follower timed is timed again on the leader from the follower's report, once
    // the slower follower's last answers are in.
    await waitFor('the leader to count every append call the followers answered', async () => {
      const appends = await Promise.all(followers.map(replicaAppendsOf));
      const answered = appends.reduce((n, a, i) => n + a.count - appendsBefore[i]!.count, 0);
      const leaderSide = await Promise.all(nodes.map(stagesOf));
      const counted = leaderSide.reduce(
        (n, s, i) => n + delta(s, leaderSideBefore[i]!, 'follower_append_fsync').count,
        0,
      );
      return answered >= PRODUCES && counted === answered;
    });
  }, 60_000);
});
