// offsets.topic.replication.factor and transaction.state.log.replication.factor: with one Raft
// voter and two brokers beyond it, the internal topics take their replicas from every registered
// broker, as Kafka's do, instead of the min(3, voters) default that would leave them on one node.
// Created on demand, each waits until that many brokers have registered (FindCoordinator answers
// COORDINATOR_NOT_AVAILABLE, retried by the client) and then serves a consumer group's commits
// and a transaction.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, stopAll, type NodeProcess } from '../helpers/node-process.js';

const NODES = 3;
let nodes: NodeProcess[];
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  // Node 1 is the only voter; nodes 2 and 3 are brokers beyond it.
  nodes = await startCluster(NODES, {
    voters: 1,
    extraArgs: [
      '--offsets-topic-replication-factor',
      '3',
      '--offsets-topic-partitions',
      '3',
      '--transaction-state-log-replication-factor',
      '3',
      '--transaction-state-log-num-partitions',
      '3',
    ],
  });
  kafka = new Kafka({
    clientId: 'internal-topics-test',
    brokers: nodes.map((n) => n.bootstrap),
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  admin = kafka.admin();
  await admin.connect();
}, 120_000);

afterAll(async () => {
  await admin?.disconnect();
  await stopAll();
});

async function replicaCounts(topic: string): Promise<number[]> {
  const [described] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
  return described!.partitions.map((p) => p.replicas.length);
}

describe('internal topics beyond the voters', () => {
  it('puts __consumer_offsets on three brokers and serves a group from it', async () => {
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1, replicationFactor: 3 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'orders', acks: -1, messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'internal-rf' });
    await consumer.connect();
    const seen: string[] = [];
    try {
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
        },
      });
      await expect.poll(() => seen.length, { timeout: 30_000 }).toBe(2);
    } finally {
      await consumer.disconnect();
    }
    expect(await replicaCounts('__consumer_offsets')).toEqual([3, 3, 3]);
    const [committed] = await admin.fetchOffsets({ groupId: 'internal-rf', topics: ['orders'] });
    expect(committed!.partitions.map((p) => p.offset)).toEqual(['2']);
  });

  it('puts __transaction_state on three brokers and commits a transaction through it', async () => {
    const producer = kafka.producer({ transactionalId: 'internal-rf-txn', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const txn = await producer.transaction();
      await txn.send({ topic: 'orders', messages: [{ value: 'c' }] });
      await txn.commit();
    } finally {
      await producer.disconnect();
    }
    expect(await replicaCounts('__transaction_state')).toEqual([3, 3, 3]);
  });
});
