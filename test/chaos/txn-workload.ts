// The transactional chaos workload on a real cluster: an idempotent producer writes unique values
// to an input topic; a consume-transform-produce processor (kafkajs, one transactional id, as
// exactly-once processing needs without KIP-447's group fencing) reads the input read_committed and
// writes each record, tagged with its transaction, to the output topic in a transaction that also
// commits its input offsets (sendOffsets); on any error it aborts, throws its clients away and
// starts again from the committed offsets, fencing its previous self. A read_committed consumer
// polls the output throughout. At the end every output partition is read whole with its control
// batches, so the checker can tell committed from aborted data itself.
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { isControlBatch, isTransactionalBatch, readBatchHeader, splitBatches } from '../../src/storage/record-batch.js';
import { decodeRecords } from '../../src/storage/record-codec.js';
import { readMarker } from '../../src/storage/control-record.js';
import { sleep } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';
import type { Ack, ConsumerHistory, PolledRecord } from './history.js';
import type { LoggedRecord, ProcessedTransaction } from './history.js';
import { leaderOf, type WorkloadNode } from './workload.js';

export const TRANSACTIONAL_ID = 'chaos-ctp';
/** One transaction in this many is aborted on purpose. */
const ABORT_EVERY = 7;

export class TransactionalWorkload {
  readonly inputAcks: Ack[] = [];
  readonly transactions: ProcessedTransaction[] = [];
  readonly reader: ConsumerHistory & { polls: { records: PolledRecord[]; seek?: boolean }[] } = {
    consumer: 'reader',
    polls: [],
  };
  restarts = 0;
  private stopInput = false;
  private stopProcessor = false;
  private readonly loops: Promise<void>[] = [];
  private inputLoop: Promise<void> = Promise.resolve();
  private readonly clients: { disconnect(): Promise<void> }[] = [];
  private txnSequence = 0;
  private instance = 0;

  constructor(
    private readonly nodes: readonly WorkloadNode[],
    readonly input: string,
    readonly output: string,
    readonly partitions: number,
    private readonly group: string,
  ) {}

  private kafka(clientId: string): Kafka {
    return new Kafka({
      clientId,
      brokers: this.nodes.map((n) => n.bootstrap),
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 },
      connectionTimeout: 1000,
      requestTimeout: 10_000,
    });
  }

  /** Writes `in-N` values at about `perSecond` until stopInput(). */
  async startInput(perSecond: number): Promise<void> {
    const producer = this.kafka('chaos-input').producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    this.clients.push(producer);
    let n = 0;
    this.inputLoop = (async () => {
      while (!this.stopInput) {
        const value = `in-${n++}`;
        const partition = n % this.partitions;
        try {
          const [r] = await producer.send({ topic: this.input, acks: -1, messages: [{ value, partition }] });
          if (r && r.errorCode === 0) this.inputAcks.push({ value, partition, offset: Number(r.baseOffset) });
        } catch {
          // not acknowledged: it may or may not be stored
        }
        await sleep(1000 / perSecond);
      }
    })();
  }

  /** Stops the input producer once its send in flight is answered. */
  async stopInputs(): Promise<void> {
    this.stopInput = true;
    await this.inputLoop;
  }

  startProcessor(): void {
    this.loops.push(this.processorLoop());
  }

  private async processorLoop(): Promise<void> {
    while (!this.stopProcessor) {
      const instance = this.instance++;
      let producer: Producer | null = null;
      let consumer: Consumer | null = null;
      let failed = false;
      try {
        const kafka = this.kafka(`chaos-processor-${instance}`);
        producer = kafka.producer({ transactionalId: TRANSACTIONAL_ID, idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        consumer = kafka.consumer({
          groupId: this.group,
          maxWaitTimeInMs: 200,
          maxBytesPerPartition: 2048,
          sessionTimeout: 10_000,
        });
        await consumer.connect();
        await consumer.subscribe({ topic: this.input, fromBeginning: true });
        const p = producer;
        const consumerRef = consumer;
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async (payload) => {
            const { batch } = payload;
            if (failed || this.stopProcessor || batch.messages.length === 0) return;
            const tag = `i${instance}-t${this.txnSequence++}`;
            const inputs = batch.messages.map((m) => m.value!.toString());
            const record: ProcessedTransaction = { tag, inputs, outcome: 'unknown' };
            this.transactions.push(record);
            let txn;
            try {
              txn = await p.transaction();
              await txn.send({
                topic: this.output,
                messages: inputs.map((value) => ({ value: `${value}|${tag}`, partition: batch.partition })),
              });
              const next = Number(batch.messages[batch.messages.length - 1]!.offset) + 1;
              await txn.sendOffsets({
                consumerGroupId: this.group,
                topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(next) }] }],
              });
              if (this.txnSequence % ABORT_EVERY === 0) {
                // A deliberate abort: its output and offsets must vanish, and the batch is read again.
                await txn.abort();
                record.outcome = 'aborted';
                this.seekBack(consumerRef, batch.topic, batch.partition, batch.messages[0]!.offset);
                return;
              }
              await txn.commit();
              record.outcome = 'committed';
              payload.resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
              await payload.heartbeat();
            } catch {
              if (txn?.isActive())
                await txn.abort().then(
                  () => (record.outcome = 'aborted'),
                  () => undefined,
                );
              failed = true;
            }
          },
        });
        while (!failed && !this.stopProcessor) await sleep(50);
      } catch {
        // connect or subscribe failed: start again
      }
      this.restarts++;
      await consumer?.disconnect().catch(() => undefined);
      await producer?.disconnect().catch(() => undefined);
      if (!this.stopProcessor) await sleep(200);
    }
  }

  private seekBack(consumer: Consumer, topic: string, partition: number, offset: string): void {
    consumer.seek({ topic, partition, offset });
  }

  async stopProcessorLoop(): Promise<void> {
    this.stopProcessor = true;
  }

  async startReader(): Promise<void> {
    const consumer = this.kafka('chaos-reader').consumer({
      groupId: `${this.group}-reader`,
      readUncommitted: false,
      maxWaitTimeInMs: 200,
      sessionTimeout: 10_000,
      retry: { retries: 50 },
    });
    let rejoined = true;
    consumer.on(consumer.events.GROUP_JOIN, () => (rejoined = true));
    await consumer.connect();
    await consumer.subscribe({ topic: this.output, fromBeginning: true });
    this.clients.push(consumer);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        const records = batch.messages.map((m) => ({
          partition: batch.partition,
          offset: Number(m.offset),
          value: m.value?.toString() ?? '',
        }));
        this.reader.polls.push({ records, seek: rejoined });
        rejoined = false;
      },
    });
  }

  polledValues(): number {
    return new Set(this.reader.polls.flatMap((p) => p.records.map((r) => r.value))).size;
  }

  async stopAll(): Promise<void> {
    this.stopInput = true;
    this.stopProcessor = true;
    await Promise.all([...this.loops, this.inputLoop]);
    await Promise.all(this.clients.map((c) => c.disconnect().catch(() => undefined)));
  }

  /** Every batch of `topic` from offset 0 to the high watermark, read from each partition's leader. */
  async readLog(topic: string): Promise<Map<number, LoggedRecord[]>> {
    const out = new Map<number, LoggedRecord[]>();
    for (let partition = 0; partition < this.partitions; partition++) {
      const records: LoggedRecord[] = [];
      let offset = 0;
      for (let round = 0; round < 100_000; round++) {
        const { leader } = await leaderOf(this.nodes, topic, partition);
        const node = this.nodes.find((n) => n.nodeId === leader && n.running);
        if (!node) {
          await sleep(100);
          continue;
        }
        const client = await RawClient.connect(node.kafkaPort);
        let data;
        try {
          data = await client.fetchPartition(topic, partition, offset);
        } finally {
          client.close();
        }
        if (data.errorCode !== 0) {
          await sleep(100);
          continue;
        }
        if (!data.records || data.records.length === 0) break;
        for (const batch of splitBatches(data.records)) {
          const header = readBatchHeader(batch);
          const next = header.baseOffset + header.lastOffsetDelta + 1;
          if (next <= offset) continue;
          if (isControlBatch(header.attributes)) {
            const marker = readMarker(batch);
            if (marker)
              records.push({
                partition,
                offset: header.baseOffset,
                producerId: header.producerId,
                marker: marker.committed ? 'commit' : 'abort',
              });
          } else {
            for (const r of decodeRecords(batch)) {
              if (r.offset < offset) continue;
              records.push({
                partition,
                offset: r.offset,
                value: r.value?.toString() ?? '',
                producerId: isTransactionalBatch(header.attributes) ? header.producerId : -1,
              });
            }
          }
          offset = next;
        }
        if (offset >= data.highWatermark) break;
      }
      out.set(partition, records);
    }
    return out;
  }

  /** The input group's committed offsets, by partition (OffsetFetch v7 with require_stable: none pending). */
  async committedOffsets(): Promise<Map<number, number>> {
    for (;;) {
      for (const node of this.nodes.filter((n) => n.running)) {
        try {
          const client = await RawClient.connect(node.kafkaPort);
          try {
            const found = await client.request<{ errorCode: number; port: number }>(10, 3, {
              key: this.group,
              keyType: 0,
            });
            if (found.errorCode !== 0) continue;
            const coordinator = await RawClient.connect(found.port);
            try {
              const response = await coordinator.request<{
                errorCode: number;
                topics: { partitions: { partitionIndex: number; committedOffset: number; errorCode: number }[] }[];
              }>(9, 7, {
                groupId: this.group,
                topics: [{ name: this.input, partitionIndexes: [...Array(this.partitions).keys()] }],
                requireStable: true,
              });
              if (response.errorCode !== 0) continue;
              const parts = response.topics[0]?.partitions ?? [];
              if (parts.some((p) => p.errorCode !== 0)) continue;
              return new Map(parts.map((p) => [p.partitionIndex, p.committedOffset]));
            } finally {
              coordinator.close();
            }
          } finally {
            client.close();
          }
        } catch {
          // try the next node
        }
      }
      await sleep(200);
    }
  }
}
