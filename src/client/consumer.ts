// Reads one topic, either from partitions the caller names (Kafka's assign()) or as a member of a
// consumer group (subscribe(): the group assigns the partitions and keeps committed offsets). The
// start position is where a partition begins when nothing is committed: the log start, the high
// watermark, an offset, or the first record at a time. Each round fetches every assigned
// partition from its leader (one Fetch per leader, long-polling), and records come out in offset
// order per partition. What was handed out — not what was fetched — is what a group member
// commits, every autoCommitIntervalMs, before a rebalance and when it closes, so a consumer
// stopped after n records commits exactly those n.
import { ErrorCode } from '../common/index.js';
import type { FetchResponse } from '../kafka/index.js';
import { Admin, type OffsetSpec } from './admin.js';
import { Api } from './api-versions.js';
import type { KafkaClient } from './client.js';
import { brokerError, ClientError } from './errors.js';
import { GroupMember, type GroupOptions } from './group-member.js';
import { type ConsumedRecord, decodeBlob } from './records.js';

export type StartPosition = 'earliest' | 'latest' | { readonly offset: number } | { readonly timestampMs: number };

export interface ConsumerOptions {
  readonly topic: string;
  /** Assign these partitions (all when absent and there is no group). */
  readonly partitions?: readonly number[];
  readonly start: StartPosition;
  /** Consume as a member of this group. */
  readonly group?: GroupOptions & { readonly autoCommitIntervalMs: number };
  /** Stop once every partition has been read up to its high watermark (kcat -e). */
  readonly exitAtEnd?: boolean;
  readonly maxWaitMs?: number;
}

const FETCH_BYTES_MAX = 8 * 1024 * 1024;
const PARTITION_FETCH_BYTES_MAX = 1024 * 1024;

export class Consumer {
  private readonly admin: Admin;
  private member: GroupMember | null = null;
  /** Next offset to fetch, per assigned partition. */
  private readonly fetchAt = new Map<number, number>();
  /** Next offset after the last record handed out, per partition: what a member commits. */
  private readonly consumed = new Map<number, number>();
  private readonly highWatermarks = new Map<number, number>();
  private lastCommitMs = Date.now();
  private closed = false;

  constructor(
    private readonly client: KafkaClient,
    private readonly options: ConsumerOptions,
  ) {
    this.admin = new Admin(client);
    if (options.group) this.member = new GroupMember(client, options.group, [options.topic]);
  }

  /** The records, in offset order per partition, until close() or (with exitAtEnd) the end. */
  async *records(): AsyncGenerator<ConsumedRecord> {
    if (!this.member) await this.assign(await this.partitionsToAssign());
    while (!this.closed) {
      if (this.member?.needsJoin) {
        await this.commitConsumed();
        const mine = await this.member.join();
        await this.assign(mine.get(this.options.topic) ?? []);
      }
      if (this.options.exitAtEnd && this.atEnd()) return;
      const fetched = await this.fetchRound();
      for (const record of fetched) {
        if (this.closed) return;
        this.consumed.set(record.partition, record.offset + 1);
        yield record;
      }
      await this.maybeAutoCommit();
    }
  }

  /** Stops; a group member commits what it handed out and leaves the group. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.member) return;
    try {
      await this.commitConsumed();
      await this.member.leave();
    } finally {
      this.member.stop();
    }
  }

  private async partitionsToAssign(): Promise<number[]> {
    const topic = await this.client.retrying(() => this.client.topic(this.options.topic));
    const all = topic.partitions.map((p) => p.partition);
    if (!this.options.partitions) return all;
    for (const p of this.options.partitions) {
      if (!all.includes(p)) {
        throw new ClientError(
          `topic ${this.options.topic} has partitions 0-${all.length - 1}, not ${p}`,
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        );
      }
    }
    return [...this.options.partitions];
  }

  private async assign(partitions: readonly number[]): Promise<void> {
    this.fetchAt.clear();
    this.consumed.clear();
    this.highWatermarks.clear();
    if (partitions.length === 0) return;
    const committed = this.member
      ? await this.member.committed(this.options.topic, partitions)
      : new Map<number, number>();
    const unset = partitions.filter((p) => (committed.get(p) ?? -1) < 0);
    const started = await this.startOffsets(unset, this.options.start);
    for (const p of partitions) {
      const offset = (committed.get(p) ?? -1) >= 0 ? committed.get(p)! : started.get(p)!;
      this.fetchAt.set(p, offset);
    }
  }

  private async startOffsets(partitions: readonly number[], start: StartPosition): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (partitions.length === 0) return out;
    if (typeof start === 'object' && 'offset' in start) {
      for (const p of partitions) out.set(p, start.offset);
      return out;
    }
    const spec: OffsetSpec = start;
    const found = await this.admin.listOffsets(this.options.topic, partitions, spec);
    const past = found.filter((f) => f.offset < 0).map((f) => f.partition);
    // No record at or after the time: start at the end, as Kafka's offsetsForTimes users do.
    const latest = past.length > 0 ? await this.admin.listOffsets(this.options.topic, past, 'latest') : [];
    for (const f of [...found.filter((f) => f.offset >= 0), ...latest]) out.set(f.partition, f.offset);
    return out;
  }

  private atEnd(): boolean {
    if (this.fetchAt.size === 0) return !this.member;
    for (const [p, at] of this.fetchAt) {
      const hw = this.highWatermarks.get(p);
      if (hw === undefined || at < hw) return false;
    }
    return true;
  }

  /** One Fetch per leader of the assigned partitions; their records, in offset order per partition. */
  private async fetchRound(): Promise<ConsumedRecord[]> {
    if (this.fetchAt.size === 0) {
      await new Promise((r) => setTimeout(r, this.options.maxWaitMs ?? 500));
      return [];
    }
    const topic = this.options.topic;
    const metadata = await this.client.retrying(() => this.client.topic(topic));
    const byLeader = new Map<number, number[]>();
    for (const p of this.fetchAt.keys()) {
      const leader = metadata.partitions.find((m) => m.partition === p)?.leaderId ?? -1;
      if (leader >= 0) byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    if (byLeader.size === 0) {
      await new Promise((r) => setTimeout(r, this.client.options.retryBackoffMs));
      return [];
    }
    const rounds = await Promise.all([...byLeader].map(([leader, partitions]) => this.fetchFrom(leader, partitions)));
    return rounds.flat();
  }

  private async fetchFrom(leaderId: number, partitions: readonly number[]): Promise<ConsumedRecord[]> {
    const topic = this.options.topic;
    let answer: FetchResponse;
    try {
      answer = await (
        await this.client.node(leaderId)
      ).send<FetchResponse>(Api.Fetch, {
        replicaId: -1,
        maxWaitMs: this.options.exitAtEnd ? 0 : (this.options.maxWaitMs ?? 500),
        minBytes: 1,
        maxBytes: FETCH_BYTES_MAX,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic,
            partitions: partitions.map((partition) => ({
              partition,
              currentLeaderEpoch: -1,
              fetchOffset: this.fetchAt.get(partition)!,
              lastFetchedEpoch: -1,
              logStartOffset: -1,
              partitionMaxBytes: PARTITION_FETCH_BYTES_MAX,
            })),
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
    } catch (err) {
      if (err instanceof ClientError && (err.retriable || err.name === 'ConnectionError')) return [];
      throw err;
    }
    const out: ConsumedRecord[] = [];
    for (const data of answer.responses.flatMap((t) => t.partitions)) {
      const p = data.partitionIndex;
      const from = this.fetchAt.get(p);
      if (from === undefined) continue;
      if (data.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
        const reset = this.options.start === 'latest' ? 'latest' : 'earliest';
        const offsets = await this.startOffsets([p], reset);
        this.fetchAt.set(p, offsets.get(p)!);
        continue;
      }
      if (data.errorCode !== ErrorCode.NONE) {
        const error = brokerError(data.errorCode, `fetch from ${topic}-${p}`);
        if (!error.retriable) throw error;
        continue;
      }
      this.highWatermarks.set(p, data.highWatermark);
      const records =
        data.records === null ? null : Buffer.isBuffer(data.records) ? data.records : Buffer.concat(data.records);
      const decoded = decodeBlob(topic, p, records, from);
      this.fetchAt.set(p, decoded.nextOffset);
      out.push(...decoded.records);
    }
    return out;
  }

  private async maybeAutoCommit(): Promise<void> {
    const interval = this.options.group?.autoCommitIntervalMs;
    if (interval === undefined || Date.now() - this.lastCommitMs < interval) return;
    await this.commitConsumed();
  }

  private async commitConsumed(): Promise<void> {
    this.lastCommitMs = Date.now();
    if (!this.member || this.consumed.size === 0) return;
    try {
      await this.member.commit(this.options.topic, this.consumed);
    } catch (err) {
      // A commit refused because the group is rebalancing is retried after the rejoin.
      if (!(err instanceof ClientError && err.code === ErrorCode.REBALANCE_IN_PROGRESS)) throw err;
    }
  }
}
