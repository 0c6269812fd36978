// Safety invariants of partition replication, checked as the simulation runs (docs/architecture.md):
// * at most one leader per epoch, and a leader writes each offset at most once in its epoch;
// * no acknowledged write is lost: every value exposed below a high watermark (every acked value
//   among them) is, at the same offset, in the log of every leader of the same or a later epoch —
//   checked when a leader takes office and whenever something new is exposed;
// * the committed prefix never changes: an offset exposed below any HW (leader's or follower's)
//   always holds the same value, and no value is committed at two offsets (no duplicates);
// * a client's acknowledged writes keep their order (offsets increase);
// * a leader's high watermark never decreases within its epoch.
// On a compacted topic (`keyOf` given) a replica's cleaner may remove a committed record, but only
// one its own log supersedes below its high watermark: a committed record is then allowed to be
// missing where a later committed record of its key exists, and the latest committed record of
// every key must be readable at its offset on every leader (so is the latest acknowledged one,
// unless a later write of its key was committed without being acknowledged).
// The logs are read as the nodes' processes see them (log-mirror.ts: the bytes the real PartitionLog
// wrote, in SimDisk's page cache).
import { Violation } from '../checker.js';
import type { LogValues } from './log-mirror.js';

export { Violation };

interface Committed {
  readonly value: number;
  /** The oldest epoch in which a leader exposed it: leaders of this epoch or later must hold it. */
  epoch: number;
}

export interface ActiveLeader {
  readonly id: number;
  readonly epoch: number;
  readonly log: LogValues;
}

export class ReplicationChecker {
  now = 0;
  private readonly leaderOfEpoch = new Map<number, number>();
  private readonly highWatermarkOfEpoch = new Map<number, number>();
  private readonly committed = new Map<number, Committed>();
  private readonly committedOffsetOfValue = new Map<number, number>();
  private readonly ackedValues = new Map<number, number>();
  private readonly lastAckedOffsetOfClient = new Map<number, number>();
  private readonly written = new Map<string, number>();
  /** One past the highest acknowledged offset. */
  ackedEnd = 0;
  acks = 0;
  committedEnd = 0;

  /** Per key of a compacted topic, the highest committed offset holding it. */
  private readonly latestCommittedOfKey = new Map<string, number>();

  constructor(
    private readonly activeLeaders: () => Iterable<ActiveLeader>,
    /** The key of a value on a compacted topic; null when nothing is compacted. */
    private readonly keyOf: ((value: number) => string) | null = null,
  ) {}

  /** A committed record the cleaner may have removed: a later committed record of its key exists. */
  private superseded(offset: number, value: number): boolean {
    if (this.keyOf === null) return false;
    return (this.latestCommittedOfKey.get(this.keyOf(value)) ?? -1) > offset;
  }

  /** `has` (what a log holds at a committed offset) is right: the committed value, or nothing where it was compacted away. */
  private holds(offset: number, value: number, has: number | undefined): boolean {
    return has === value || (has === undefined && this.superseded(offset, value));
  }

  /** At the end of a run: the latest committed record of every key is readable at its offset in `log`. */
  latestOfEveryKeyReadable(who: string, log: LogValues): void {
    for (const [key, offset] of this.latestCommittedOfKey) {
      const c = this.committed.get(offset);
      const has = log.valueAt(offset);
      if (c !== undefined && has !== c.value)
        this.lost(offset, c, `${who} has ${has ?? 'nothing'} there, the latest committed record of key ${key}`);
    }
  }

  fail(what: string): never {
    throw new Violation(`t=${this.now}ms ${what}`);
  }

  /** A leader appended a batch: (offset, epoch) names one value forever. */
  onLeaderAppend(id: number, epoch: number, baseOffset: number, values: readonly number[]): void {
    values.forEach((v, i) => {
      const key = `${baseOffset + i}:${epoch}`;
      const known = this.written.get(key);
      if (known !== undefined && known !== v)
        this.fail(`leader ${id} wrote offset ${baseOffset + i} twice in epoch ${epoch} (${known}, then ${v})`);
      this.written.set(key, v);
    });
  }

  onBecomeLeader(id: number, epoch: number, log: LogValues, initialHighWatermark: number): void {
    const known = this.leaderOfEpoch.get(epoch);
    if (known !== undefined && known !== id) this.fail(`two leaders in epoch ${epoch}: ${known} and ${id}`);
    this.leaderOfEpoch.set(epoch, id);
    for (const [offset, c] of this.committed) {
      if (c.epoch > epoch) continue;
      const has = log.valueAt(offset);
      if (!this.holds(offset, c.value, has))
        this.lost(offset, c, `leader ${id} of epoch ${epoch} has ${has ?? 'nothing'} there`);
    }
    this.expose(`leader ${id} of epoch ${epoch}`, epoch, log, 0, initialHighWatermark);
    this.highWatermarkOfEpoch.set(epoch, initialHighWatermark);
  }

  onLeaderHighWatermark(id: number, epoch: number, highWatermark: number, log: LogValues): void {
    const before = this.highWatermarkOfEpoch.get(epoch);
    if (before === undefined) this.fail(`leader ${id} of epoch ${epoch} reports a high watermark before taking office`);
    if (highWatermark < before)
      this.fail(`leader ${id}'s high watermark went back in epoch ${epoch}: ${before} -> ${highWatermark}`);
    if (highWatermark === before) return;
    this.expose(`leader ${id} of epoch ${epoch}`, epoch, log, before, highWatermark);
    this.highWatermarkOfEpoch.set(epoch, highWatermark);
  }

  /** A follower's high watermark rose from `from` to `to`: it may serve reads below it. */
  onFollowerHighWatermark(id: number, log: LogValues, from: number, to: number): void {
    for (let o = from; o < to; o++) {
      const c = this.committed.get(o);
      const has = log.valueAt(o);
      if (c === undefined) {
        // A compacted leader may have exposed a range with offsets missing between batches.
        if (has === undefined && this.keyOf !== null && o < log.endOffset) continue;
        this.fail(`follower ${id}'s high watermark ${to} covers offset ${o}, which no leader committed`);
      }
      if (!this.holds(o, c.value, has))
        this.fail(`follower ${id} exposes ${has ?? 'nothing'} at committed offset ${o} (committed ${c.value})`);
    }
  }

  onAck(clientId: number, values: readonly number[], baseOffset: number, epoch: number): void {
    const last = this.lastAckedOffsetOfClient.get(clientId);
    if (last !== undefined && baseOffset <= last)
      this.fail(`client ${clientId}'s acknowledged writes reordered: offset ${baseOffset} after ${last}`);
    values.forEach((v, i) => {
      const offset = baseOffset + i;
      if (this.ackedValues.has(v))
        this.fail(`value ${v} acknowledged twice (offsets ${this.ackedValues.get(v)} and ${offset})`);
      this.ackedValues.set(v, offset);
      const c = this.committed.get(offset);
      if (c === undefined || c.value !== v) {
        this.fail(
          `value ${v} acknowledged at offset ${offset} in epoch ${epoch}, but the committed value there is ${c?.value ?? 'none'}`,
        );
      }
      this.lastAckedOffsetOfClient.set(clientId, offset);
      if (offset + 1 > this.ackedEnd) this.ackedEnd = offset + 1;
      this.acks++;
    });
  }

  private expose(who: string, epoch: number, log: LogValues, from: number, to: number): void {
    const leaders = [...this.activeLeaders()].filter((l) => l.epoch > epoch);
    for (let offset = from; offset < to; offset++) {
      const value = log.valueAt(offset);
      if (value === undefined) {
        // A compacted log has offsets without a record: ones its cleaner removed (committed and
        // superseded), and ones of batches removed before this replica copied the range.
        const c = this.committed.get(offset);
        const inside = offset < log.endOffset;
        if (this.keyOf !== null && inside && (c === undefined || this.superseded(offset, c.value))) continue;
        this.fail(`${who} exposes offset ${offset} ${inside ? 'without a record' : 'beyond its log'}`);
      }
      const c = this.committed.get(offset);
      if (c !== undefined) {
        if (c.value !== value)
          this.fail(`committed offset ${offset} changed: ${c.value} was committed, ${who} exposes ${value}`);
        if (epoch < c.epoch) c.epoch = epoch;
      } else {
        const at = this.committedOffsetOfValue.get(value);
        if (at !== undefined) this.fail(`value ${value} committed twice, at ${at} and ${offset} (${who})`);
        this.committedOffsetOfValue.set(value, offset);
        this.committed.set(offset, { value, epoch });
        if (this.keyOf !== null) {
          const key = this.keyOf(value);
          if ((this.latestCommittedOfKey.get(key) ?? -1) < offset) this.latestCommittedOfKey.set(key, offset);
        }
        if (offset + 1 > this.committedEnd) this.committedEnd = offset + 1;
      }
      // Leaders of later epochs already in office must hold it too.
      for (const l of leaders) {
        const has = l.log.valueAt(offset);
        if (!this.holds(offset, value, has))
          this.lost(offset, { value, epoch }, `leader ${l.id} of later epoch ${l.epoch} has ${has ?? 'nothing'} there`);
      }
    }
  }

  private lost(offset: number, c: Committed, detail: string): never {
    const acked = this.ackedValues.get(c.value) === offset;
    this.fail(
      `${acked ? 'lost acknowledged write' : 'lost committed write'}: value ${c.value} at offset ${offset} (committed in epoch ${c.epoch}); ${detail}`,
    );
  }

  isAcked(value: number): boolean {
    return this.ackedValues.has(value);
  }
}
