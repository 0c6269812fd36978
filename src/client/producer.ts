// Produces records to a topic: each record goes to the partition it names, else its key's
// partition (murmur2, as Kafka's default partitioner), else — records without a key — to one
// partition per call, rotating between calls (Kafka's sticky partitioning, per call). The records
// of one partition go out as record batches of at most BATCH_BYTES_MAX to that partition's leader;
// a retriable answer (the leader moved, too few replicas for a moment) refreshes the metadata and
// sends the batch again, until the delivery timeout. The producer is not idempotent, so a batch
// sent again after an answer was lost may be stored twice (Kafka's at-least-once without
// enable.idempotence).
import { ErrorCode } from '../common/index.js';
import type { ProduceResponse } from '../kafka/index.js';
import { Api } from './api-versions.js';
import type { KafkaClient, TopicMetadata } from './client.js';
import { brokerError, check, ClientError } from './errors.js';
import { partitionForKey } from './murmur2.js';
import { encodeBatch, type ProducerRecord } from './records.js';

export type Acks = -1 | 0 | 1;

export interface ProduceOptions {
  /** -1 (all: write.quorum replicas hold it), 1 (the leader has it), 0 (no answer). */
  readonly acks: Acks;
  /** Every record to this partition, whatever its key. */
  readonly partition?: number;
  /** How long the broker may wait for replicas (acks=all). */
  readonly timeoutMs?: number;
}

export interface RecordMetadata {
  readonly partition: number;
  /** -1 with acks=0. */
  readonly offset: number;
}

/** A batch stays well below the broker's default max.message.bytes (1,048,588). */
const BATCH_BYTES_MAX = 512 * 1024;
const RECORD_OVERHEAD_BYTES = 24;

function recordBytes(r: ProducerRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers ?? []) bytes += h.key.length + (h.value?.length ?? 0) + 8;
  return bytes;
}

export class Producer {
  private nextStickyPartition = 0;

  constructor(private readonly client: KafkaClient) {}

  /** Sends `records` to `topic`; resolves with each record's partition and offset, in order. */
  async send(topic: string, records: readonly ProducerRecord[], options: ProduceOptions): Promise<RecordMetadata[]> {
    if (records.length === 0) return [];
    const metadata = await this.client.retrying(() => this.client.topic(topic, true));
    const count = metadata.partitions.length;
    if (count === 0) throw new ClientError(`topic ${topic} has no partitions`);
    if (options.partition !== undefined && (options.partition < 0 || options.partition >= count)) {
      throw new ClientError(
        `topic ${topic} has partitions 0-${count - 1}, not ${options.partition}`,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      );
    }
    const sticky = this.nextStickyPartition++ % count;
    const partitionOf = (r: ProducerRecord): number =>
      options.partition ?? (r.key !== null ? partitionForKey(r.key, count) : sticky);
    const byPartition = new Map<number, number[]>();
    records.forEach((r, i) => {
      const p = partitionOf(r);
      byPartition.set(p, [...(byPartition.get(p) ?? []), i]);
    });
    const results: RecordMetadata[] = new Array<RecordMetadata>(records.length);
    await Promise.all(
      [...byPartition].map(async ([partition, indexes]) => {
        for (const chunk of chunks(indexes, (i) => recordBytes(records[i]!))) {
          const baseOffset = await this.sendBatch(
            topic,
            partition,
            chunk.map((i) => records[i]!),
            options,
            metadata,
          );
          chunk.forEach((i, n) => (results[i] = { partition, offset: baseOffset < 0 ? -1 : baseOffset + n }));
        }
      }),
    );
    return results;
  }

  private async sendBatch(
    topic: string,
    partition: number,
    records: readonly ProducerRecord[],
    options: ProduceOptions,
    first: TopicMetadata,
  ): Promise<number> {
    const batch = encodeBatch(records);
    let metadata: TopicMetadata | null = first;
    return this.client.retrying(async () => {
      metadata ??= await this.client.topic(topic);
      const leaderId = metadata.partitions.find((p) => p.partition === partition)?.leaderId ?? -1;
      metadata = null; // a retry looks the leader up again
      if (leaderId < 0) throw brokerError(ErrorCode.LEADER_NOT_AVAILABLE, `${topic}-${partition}`);
      const connection = await this.client.node(leaderId);
      const body = {
        transactionalId: null,
        acks: options.acks,
        timeoutMs: options.timeoutMs ?? 30_000,
        topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
      };
      if (options.acks === 0) {
        connection.sendOnly(Api.Produce, body);
        return -1;
      }
      const answer = await connection.send<ProduceResponse>(Api.Produce, body);
      const result = answer.responses[0]?.partitionResponses[0];
      if (!result) throw new ClientError(`${topic}-${partition}: not in the broker's answer`);
      check(result.errorCode, `produce to ${topic}-${partition}`, result.errorMessage);
      return result.baseOffset;
    });
  }
}

/** Cuts `items` into runs whose sizes add up to at most BATCH_BYTES_MAX (at least one item each). */
function chunks(items: readonly number[], sizeOf: (item: number) => number): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && bytes + size > BATCH_BYTES_MAX) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
