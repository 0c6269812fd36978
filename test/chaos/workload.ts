// The chaos workload on a real cluster: idempotent acks=all producers writing unique values, a
// consumer group recording every poll, a nemesis that kill -9s a chosen node and restarts it, and
// a final read of every partition — everything the history checker needs.
import { Kafka, logLevel, type Consumer, type logCreator, type Producer } from 'kafkajs';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { splitBatches } from '../../src/storage/record-batch.js';
import { decodeRecords } from '../../src/storage/record-codec.js';
import { sleep } from '../helpers/node-process.js';
import { RawClient, type FetchedPartition } from '../helpers/raw-client.js';
import type { AckTiming, TimedAcks } from './failover.js';
import type { Ack, ConsumerHistory, PolledRecord } from './history.js';

/** Bytes per fetch of the final read: at most ~4,300 batches of the smallest size (61 bytes). */
const FINAL_READ_MAX_BYTES = 256 * 1024;

/** What the workload needs of a node: local processes (NodeProcess) and containers both fit. */
export interface WorkloadNode {
  readonly nodeId: number;
  /** Kafka port on 127.0.0.1. */
  readonly kafkaPort: number;
  readonly running: boolean;
  /** host:port for clients. */
  readonly bootstrap: string;
}

interface MetadataView {
  controllerId: number;
  brokers: { nodeId: number }[];
  topics: { name: string; partitions: { partitionIndex: number; leaderId: number; leaderEpoch: number }[] }[];
}

export async function metadataOf(nodes: readonly WorkloadNode[]): Promise<MetadataView> {
  for (const node of nodes) {
    if (!node.running) continue;
    try {
      const client = await RawClient.connect(node.kafkaPort);
      try {
        return await client.request<MetadataView>(3, 9, {
          topics: null,
          allowAutoTopicCreation: false,
          includeTopicAuthorizedOperations: false,
        });
      } finally {
        client.close();
      }
    } catch {
      // try the next node
    }
  }
  throw new Error('no node answered Metadata');
}

/** Creates the workload's topic (replication factor 3) through `node`. */
export async function createTopic(node: WorkloadNode, topic: string, partitions: number): Promise<void> {
  const client = await RawClient.connect(node.kafkaPort);
  try {
    const response = await client.request<{ topics: { errorCode: number; errorMessage: string | null }[] }>(19, 5, {
      topics: [{ name: topic, numPartitions: partitions, replicationFactor: 3, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    expect(response.topics[0]!.errorCode, response.topics[0]!.errorMessage ?? '').toBe(0);
  } finally {
    client.close();
  }
}

export async function leaderOf(
  nodes: readonly WorkloadNode[],
  topic: string,
  partition: number,
): Promise<{ leader: number; epoch: number }> {
  const metadata = await metadataOf(nodes);
  const p = metadata.topics.find((t) => t.name === topic)?.partitions.find((x) => x.partitionIndex === partition);
  return { leader: p?.leaderId ?? -1, epoch: p?.leaderEpoch ?? -1 };
}

/** kafkajs' own log lines (retries, timeouts, metadata refreshes) in BROOK_TEST_LOG_DIR/clients.log. */
function clientLog(logDir: string): logCreator {
  mkdirSync(logDir, { recursive: true });
  const file = join(logDir, 'clients.log');
  return () =>
    ({ namespace, label, log }) => {
      appendFileSync(file, `${JSON.stringify({ time: Date.now(), label, namespace, ...log })}\n`);
    };
}

export class Workload implements TimedAcks {
  readonly acks: Ack[] = [];
  /** Every acknowledgement's send and answer times, in the order answered (the strict failover measure). */
  readonly ackTimings: AckTiming[] = [];
  readonly consumers: ConsumerHistory[] = [];
  private readonly producers: Producer[] = [];
  private readonly consumerClients: Consumer[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];
  private sequence = 0;
  /** Time of the latest acknowledged write per partition. */
  readonly lastAckAt = new Map<number, number>();
  /** When the latest acknowledged write per partition was sent (its send() call, retries included). */
  readonly lastAckSentAt = new Map<number, number>();
  errors = 0;

  constructor(
    private readonly nodes: readonly WorkloadNode[],
    private readonly topic: string,
    private readonly partitions: number,
  ) {}

  private kafka(clientId: string): Kafka {
    const logDir = process.env.BROOK_TEST_LOG_DIR;
    return new Kafka({
      clientId,
      brokers: this.nodes.map((n) => n.bootstrap),
      logLevel: logDir === undefined ? logLevel.NOTHING : logLevel.INFO,
      ...(logDir === undefined ? {} : { logCreator: clientLog(logDir) }),
      retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 500 },
      connectionTimeout: 1000,
      requestTimeout: 5000,
    });
  }

  async startProducers(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const producer = this.kafka(`chaos-producer-${i}`).producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      this.producers.push(producer);
      this.loops.push(this.produceLoop(producer, i));
    }
  }

  private async produceLoop(producer: Producer, index: number): Promise<void> {
    while (!this.stopped) {
      const partition = this.sequence % this.partitions;
      const value = `p${index}-${this.sequence++}`;
      try {
        const sentAt = Date.now();
        const [result] = await producer.send({
          topic: this.topic,
          acks: -1,
          timeout: 5000,
          messages: [{ partition, value }],
        });
        if (result && result.errorCode === 0) {
          const ackedAt = Date.now();
          this.acks.push({ value, partition, offset: Number(result.baseOffset) });
          this.ackTimings.push({ partition, sentAtMs: sentAt, ackedAtMs: ackedAt });
          this.lastAckAt.set(partition, ackedAt);
          this.lastAckSentAt.set(partition, sentAt);
        }
      } catch {
        // Not acknowledged: it may or may not be stored; the checker only holds acknowledged writes.
        this.errors++;
        await sleep(20);
      }
    }
  }

  async startConsumers(count: number, groupId: string): Promise<void> {
    for (let i = 0; i < count; i++) {
      const history: { consumer: string; polls: { records: PolledRecord[]; seek?: boolean }[] } = {
        consumer: `c${i}`,
        polls: [],
      };
      this.consumers.push(history);
      const consumer = this.kafka(`chaos-consumer-${i}`).consumer({
        groupId,
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
        retry: { retries: 50 },
      });
      let rejoined = true;
      consumer.on(consumer.events.GROUP_JOIN, () => {
        rejoined = true;
      });
      await consumer.connect();
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      void consumer.run({
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          const records = batch.messages.map((m) => ({
            partition: batch.partition,
            offset: Number(m.offset),
            value: m.value?.toString() ?? '',
          }));
          history.polls.push({ records, seek: rejoined });
          rejoined = false;
        },
      });
      this.consumerClients.push(consumer);
    }
  }

  /** Values consumers have polled so far. */
  polledCount(): number {
    const seen = new Set<string>();
    for (const c of this.consumers) for (const p of c.polls) for (const r of p.records) seen.add(r.value);
    return seen.size;
  }

  async stopProducers(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    await Promise.all(this.producers.map((p) => p.disconnect().catch(() => undefined)));
  }

  async stopConsumers(): Promise<void> {
    await Promise.all(this.consumerClients.map((c) => c.disconnect().catch(() => undefined)));
  }

  /** Reads every partition from offset 0 up to its high watermark, from its current leader. */
  async finalRead(): Promise<Map<number, PolledRecord[]>> {
    const out = new Map<number, PolledRecord[]>();
    for (let partition = 0; partition < this.partitions; partition++) {
      const records: PolledRecord[] = [];
      let offset = 0;
      for (let round = 0; round < 100_000; round++) {
        const { leader } = await leaderOf(this.nodes, this.topic, partition);
        const node = this.nodes.find((n) => n.nodeId === leader && n.running);
        if (!node) {
          await sleep(100);
          continue;
        }
        const client = await RawClient.connect(node.kafkaPort);
        let data: FetchedPartition;
        try {
          // A bounded answer: a fast run stores tens of thousands of small batches per partition, more
          // than one records blob may hold (splitBatches refuses over 10,000).
          data = await client.fetchPartition(this.topic, partition, offset, FINAL_READ_MAX_BYTES);
        } finally {
          client.close();
        }
        if (data.errorCode !== 0) {
          await sleep(100);
          continue;
        }
        if (!data.records || data.records.length === 0) break;
        for (const batch of splitBatches(data.records)) {
          for (const r of decodeRecords(batch)) {
            if (r.offset >= offset) records.push({ partition, offset: r.offset, value: r.value?.toString() ?? '' });
          }
        }
        offset = records.length > 0 ? records.at(-1)!.offset + 1 : offset;
        if (offset >= data.highWatermark) break;
      }
      out.set(partition, records);
    }
    return out;
  }
}
