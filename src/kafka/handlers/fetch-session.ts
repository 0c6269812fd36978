// Fetch sessions (KIP-227): a consumer's full fetch (session epoch 0) leaves the partitions it
// asked for, with their fetch offsets, in a session on this broker; its later fetches name the
// session and its next epoch and carry only the partitions whose fetch offset or limits changed
// (and the ones to forget), and the answers carry only the partitions with something new. A
// consumer of many partitions then stops resending them all on every fetch.
//
// The cache is Kafka's FetchSessionCache for consumers (Brook's followers replicate over gRPC, so
// no session is privileged): at most `slotsMax` sessions. When it is full, a new session takes
// the slot of the least recently used one if that was unused for `evictionMs`, else of the
// smallest session older than `evictionMs` when the new one has more partitions; otherwise it is
// not kept and the client is answered with session id 0, so it goes on with full fetches. The
// same rules make room when the sessions would hold more than `partitionsMax` partitions in all.
// Nothing here reads a clock: callers pass the time.
import { randomInt } from 'node:crypto';
import { assert, limits } from '../../common/index.js';

/** Kafka's INITIAL_EPOCH: a full fetch that opens a new session. */
export const INITIAL_SESSION_EPOCH = 0;
/** Kafka's FINAL_EPOCH: a full fetch without a session (closing the named one, if any). */
export const FINAL_SESSION_EPOCH = -1;
/** Kafka's INVALID_SESSION_ID: no session. */
export const NO_SESSION_ID = 0;
/** Kafka's MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS. */
export const FETCH_SESSION_EVICTION_MS = 120_000;

/** What the client asked for a partition, as the session remembers it. */
export interface SessionPartitionRequest {
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
  readonly currentLeaderEpoch: number;
}

/** One partition of a session: the client's last request for it and what it was last told. */
export interface SessionPartition {
  readonly topic: string;
  readonly partition: number;
  request: SessionPartitionRequest;
  /** -1 until an answer carried the partition, and after an error: it is then sent again. */
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
}

/** What an answer says of a partition, the part a session compares with what it sent last. */
export interface PartitionAnswer {
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  readonly recordsBytes: number;
}

export function sessionPartitionKey(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

/** The epoch after `epoch` (Kafka's nextEpoch: it wraps to 1, never back to the initial 0). */
export function nextSessionEpoch(epoch: number): number {
  assert(epoch >= 0, `no epoch follows ${epoch}`);
  return epoch === 0x7fffffff ? 1 : epoch + 1;
}

export class FetchSession {
  /** The epoch the client's next incremental fetch must carry. */
  epoch = nextSessionEpoch(INITIAL_SESSION_EPOCH);
  lastUsedMs: number;
  /** In the order reads visit them: a partition that was answered moves to the end (fairness). */
  readonly partitions = new Map<string, SessionPartition>();

  constructor(
    readonly id: number,
    readonly createdMs: number,
  ) {
    assert(id !== NO_SESSION_ID, 'a session needs an id');
    this.lastUsedMs = createdMs;
  }

  get size(): number {
    return this.partitions.size;
  }

  /** Adds or updates the requested partitions, then drops the forgotten ones (Kafka's order). */
  update(
    requested: Iterable<{ topic: string; partition: number; request: SessionPartitionRequest }>,
    forgotten: Iterable<{ topic: string; partition: number }>,
  ): void {
    for (const { topic, partition, request } of requested) {
      const key = sessionPartitionKey(topic, partition);
      const known = this.partitions.get(key);
      if (known) known.request = request;
      else {
        this.partitions.set(key, {
          topic,
          partition,
          request,
          highWatermark: -1,
          lastStableOffset: -1,
          logStartOffset: -1,
        });
      }
    }
    for (const { topic, partition } of forgotten) this.partitions.delete(sessionPartitionKey(topic, partition));
  }

  /**
   * Whether an incremental answer must carry the partition (new records, an error, or a changed
   * high watermark, last stable offset or log start offset), remembering what it then says. A
   * partition that must be answered moves to the end of the session, so the next read starts
   * with the ones that had nothing.
   */
  mustAnswer(part: SessionPartition, answer: PartitionAnswer): boolean {
    let must = answer.recordsBytes > 0;
    if (part.highWatermark !== answer.highWatermark) must = true;
    if (part.lastStableOffset !== answer.lastStableOffset) must = true;
    if (part.logStartOffset !== answer.logStartOffset) must = true;
    part.highWatermark = answer.highWatermark;
    part.lastStableOffset = answer.lastStableOffset;
    part.logStartOffset = answer.logStartOffset;
    if (answer.errorCode !== 0) {
      // Sent again once the error is gone, as Kafka does by forgetting the high watermark.
      part.highWatermark = -1;
      must = true;
    }
    if (must) {
      const key = sessionPartitionKey(part.topic, part.partition);
      this.partitions.delete(key);
      this.partitions.set(key, part);
    }
    return must;
  }
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private evictions = 0;

  constructor(
    readonly slotsMax: number,
    private readonly evictionMs = FETCH_SESSION_EVICTION_MS,
    private readonly partitionsMax: number = limits.fetchSessionPartitionsMax,
    private readonly newId: () => number = () => randomInt(1, 0x7fffffff),
  ) {
    assert(slotsMax >= 0, `fetch session slots ${slotsMax}`);
  }

  get count(): number {
    return this.sessions.size;
  }

  get evicted(): number {
    return this.evictions;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  remove(id: number): boolean {
    return this.sessions.delete(id);
  }

  /** Marks a session used now (it then stays longest before a stale eviction takes it). */
  touch(session: FetchSession, nowMs: number): void {
    assert(this.sessions.get(session.id) === session, `session ${session.id} is not cached`);
    session.lastUsedMs = nowMs;
  }

  /** A new session for `sizePartitions` partitions, or null when the cache keeps no slot for it. */
  create(nowMs: number, sizePartitions: number): FetchSession | null {
    if (this.slotsMax === 0 || sizePartitions > this.partitionsMax) return null;
    let cachedPartitions = 0;
    for (const session of this.sessions.values()) cachedPartitions += session.size;
    // Each eviction frees a slot, so this runs at most slotsMax times.
    while (this.sessions.size >= this.slotsMax || cachedPartitions + sizePartitions > this.partitionsMax) {
      const freed = this.evictFor(nowMs, sizePartitions);
      if (freed === null) return null;
      cachedPartitions -= freed;
    }
    let id = this.newId();
    // Ids are random in [1, 2^31): a collision with one of at most slotsMax ids is rare, and each
    // retry is a fresh draw, so this ends; the bound makes a broken generator fail loudly.
    for (let tries = 0; this.sessions.has(id) || id === NO_SESSION_ID; tries++) {
      assert(tries < 1000, 'no free fetch session id');
      id = this.newId();
    }
    const session = new FetchSession(id, nowMs);
    this.sessions.set(id, session);
    return session;
  }

  /**
   * Kafka's tryEvict for an unprivileged session (one scan: the cache holds at most slotsMax):
   * the partitions of the evicted session, or null when none may go.
   */
  private evictFor(nowMs: number, sizePartitions: number): number | null {
    let leastRecent: FetchSession | null = null;
    let smallestOld: FetchSession | null = null;
    for (const session of this.sessions.values()) {
      if (leastRecent === null || session.lastUsedMs < leastRecent.lastUsedMs) leastRecent = session;
      if (nowMs - session.createdMs <= this.evictionMs) continue;
      if (
        smallestOld === null ||
        session.size < smallestOld.size ||
        (session.size === smallestOld.size && session.id < smallestOld.id)
      ) {
        smallestOld = session;
      }
    }
    let victim: FetchSession | null = null;
    if (leastRecent !== null && nowMs - leastRecent.lastUsedMs > this.evictionMs) victim = leastRecent;
    else if (smallestOld !== null && sizePartitions > smallestOld.size) victim = smallestOld;
    if (victim === null) return null;
    this.sessions.delete(victim.id);
    this.evictions++;
    return victim.size;
  }
}
