// The read-only facts the replication core needs about a local replica log. src/storage's
// PartitionLog satisfies this interface as it is (getters logStartOffset, logEndOffset,
// durableEndOffset and epochEntries()); the simulation implements it over an in-memory log.
// Everything else the core needs (the epoch at an offset, OffsetForLeaderEpoch) is derived here
// from the checkpoint entries, so the leader and the follower compute it the same way.
import { assert } from '../../common/index.js';
import { NO_EPOCH, NO_OFFSET } from './messages.js';

/** "Epoch `epoch` starts at offset `startOffset`" — one leader-epoch checkpoint entry. */
export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

export interface ReplicaLogView {
  readonly logStartOffset: number;
  /** One past the last offset in the log (page cache included). */
  readonly logEndOffset: number;
  /** One past the last offset made durable by a flush; <= logEndOffset. */
  readonly durableEndOffset: number;
  /**
   * The leader-epoch checkpoint, oldest first: epochs and start offsets both increase. Entries the
   * shell reports must be durable, or become durable before any response built from them is sent
   * (PartitionLog persists them on assignEpochStart and on every flush).
   */
  epochEntries(): readonly EpochEntry[];
}

/** Newest epoch in the checkpoint, NO_EPOCH when empty. */
export function lastEpochOf(entries: readonly EpochEntry[]): number {
  return entries[entries.length - 1]?.epoch ?? NO_EPOCH;
}

/** The epoch of the batch holding `offset`: the entry with the greatest start <= offset; NO_EPOCH below the first. */
export function epochAt(entries: readonly EpochEntry[], offset: number): number {
  let found = NO_EPOCH;
  // Bounded by the checkpoint size; entries are few (one per leader change).
  for (const e of entries) {
    if (e.startOffset > offset) break;
    found = e.epoch;
  }
  return found;
}

/** The entry for exactly `epoch`, if the checkpoint has one. */
export function entryFor(entries: readonly EpochEntry[], epoch: number): EpochEntry | undefined {
  return entries.find((e) => e.epoch === epoch);
}

/** Whether the checkpoint holds the start marker "epoch starts at startOffset". */
/**
 * Where a replica whose log starts at `logStartOffset` records the start of an epoch that began at
 * `epochStartOffset`: a log that starts later (retention, DeleteRecords, or a follower that
 * started over at its leader's log start) can only match the leader from its own start, and
 * holds the marker there, as Kafka's leader-epoch cache moves its first entry up to the log start.
 */
export function epochStartWithin(epochStartOffset: number, logStartOffset: number): number {
  return Math.max(epochStartOffset, logStartOffset);
}

export function hasEpochStart(entries: readonly EpochEntry[], epoch: number, startOffset: number): boolean {
  const e = entryFor(entries, epoch);
  return e !== undefined && e.startOffset === startOffset;
}

/**
 * OffsetForLeaderEpoch, with the semantics of Kafka's LeaderEpochFileCache.endOffsetFor and of
 * PartitionLog.endOffsetForEpoch: the largest epoch <= `requestedEpoch` in the checkpoint and the
 * offset where it ends (the start of the next epoch, or the log end for the newest). When every
 * known epoch is newer than `requestedEpoch`, it answers (requestedEpoch, start of the first one):
 * nothing of that age is left below. Unknown (empty checkpoint or NO_EPOCH asked): (NO_EPOCH, NO_OFFSET).
 */
export function endOffsetForEpoch(
  entries: readonly EpochEntry[],
  logEndOffset: number,
  requestedEpoch: number,
): { epoch: number; endOffset: number } {
  const last = entries[entries.length - 1];
  if (last === undefined || requestedEpoch === NO_EPOCH) return { epoch: NO_EPOCH, endOffset: NO_OFFSET };
  // The newest epoch runs to the log end; an epoch newer than any known is unknown.
  if (requestedEpoch === last.epoch) return { epoch: last.epoch, endOffset: logEndOffset };
  if (requestedEpoch > last.epoch) return { epoch: NO_EPOCH, endOffset: NO_OFFSET };
  const higher = entries.findIndex((e) => e.epoch > requestedEpoch);
  assert(higher >= 0, 'an epoch newer than the one asked exists');
  const next = entries[higher] as EpochEntry;
  const floor = higher > 0 ? (entries[higher - 1] as EpochEntry) : undefined;
  return { epoch: floor ? floor.epoch : requestedEpoch, endOffset: next.startOffset };
}

/**
 * The floor entry for `epoch` (greatest epoch <= it) and where the first newer epoch starts in
 * this log (the log end when none): exact facts, without the "nothing older" convention above.
 */
export function floorAndNextStart(
  entries: readonly EpochEntry[],
  logEndOffset: number,
  epoch: number,
): { floor: EpochEntry | undefined; nextStart: number } {
  let floor: EpochEntry | undefined;
  for (const e of entries) {
    if (e.epoch > epoch) return { floor, nextStart: e.startOffset };
    floor = e;
  }
  return { floor, nextStart: logEndOffset };
}

/** Checks the checkpoint's shape: epochs strictly increase, start offsets never decrease. */
export function assertCheckpointShape(entries: readonly EpochEntry[], logEndOffset: number): void {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as EpochEntry;
    assert(e.epoch >= 0 && e.startOffset >= 0, `bad checkpoint entry ${e.epoch}@${e.startOffset}`);
    assert(
      e.startOffset <= logEndOffset,
      `checkpoint entry ${e.epoch}@${e.startOffset} beyond the log end ${logEndOffset}`,
    );
    const prev = entries[i - 1];
    if (prev !== undefined) {
      assert(
        prev.epoch < e.epoch && prev.startOffset <= e.startOffset,
        `checkpoint entries out of order at ${e.epoch}@${e.startOffset}`,
      );
    }
  }
}
