// Reading a fetch's partitions under Kafka's size rules (KIP-74, ReplicaManager.readFromLocalLog):
// partitions in order, each getting at most its partitionMaxBytes and what is left of maxBytes,
// and the first batch of the first partition with data coming whole however large.
//
// Read one after another, a fetch of several partitions waits for each read in turn. When the
// partitions' limits add up to no more than maxBytes (librdkafka's defaults, 1 MiB a partition
// and 50 MiB a fetch, for up to 50 partitions), no partition's budget depends on what the others
// return, so the reads run at once and give the same answer; the one difference, an oversized
// first batch that only the first partition with data may return, is detected afterwards and the
// fetch is then read again in order.
import { assert, ErrorCode, KafkaError, type Logger } from '../../common/index.js';
import type { Replica } from '../../replication/index.js';
import { fetchReadBuffers } from '../../storage/index.js';
import type { FetchPartitionData } from '../protocol/messages/fetch.js';
import { errorOf } from './common.js';

const EMPTY = Buffer.alloc(0);

export interface Slot {
  readonly topic: string;
  readonly index: number;
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
  readonly partition: Replica | null;
  readonly error: unknown;
}

export interface FetchRead {
  readonly results: FetchPartitionData[];
  readonly total: number;
  readonly anyError: boolean;
}

interface SlotRead {
  readonly data: FetchPartitionData;
  readonly bytes: number;
  /** The partition had readable records this read did not return (its first batch did not fit). */
  readonly heldBack: boolean;
  readonly failed: boolean;
}

function emptyData(index: number): FetchPartitionData {
  return {
    partitionIndex: index,
    errorCode: ErrorCode.NONE,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    divergingEpoch: { epoch: -1, endOffset: -1 },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

/** Gives back the read buffers of a read that is not sent (a later read replaces it). */
export function giveBackReads(results: readonly FetchPartitionData[]): void {
  for (const { records } of results) {
    if (Array.isArray(records)) for (const chunk of records as readonly Buffer[]) fetchReadBuffers.giveBack(chunk);
  }
}

async function readSlot(
  slot: Slot,
  budget: number,
  minOneBatch: boolean,
  readCommitted: boolean,
  log: Logger,
): Promise<SlotRead> {
  const data = emptyData(slot.index);
  if (slot.partition === null) {
    const failed = { ...data, errorCode: errorOf(slot.error, log).errorCode };
    return { data: failed, bytes: 0, heldBack: false, failed: true };
  }
  const p = slot.partition;
  try {
    // Leadership may have moved during a long poll: send the client to the new leader.
    if (!p.isLeader)
      throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${slot.topic}-${slot.index} is no longer led here`);
    if (slot.fetchOffset < p.logStartOffset || slot.fetchOffset > p.logEndOffset) {
      throw new KafkaError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `offset ${slot.fetchOffset} outside [${p.logStartOffset}, ${p.logEndOffset}]`,
      );
    }
    let records: Buffer[] | Buffer = EMPTY;
    let bytes = 0;
    const readable = readCommitted ? p.lastStableOffset : p.highWatermark;
    let abortedTransactions: FetchPartitionData['abortedTransactions'] = readCommitted ? [] : null;
    if (slot.fetchOffset < readable && (budget > 0 || minOneBatch)) {
      // Pooled: the connection gives the read buffers back once the socket has written them.
      const read = await p.read(slot.fetchOffset, budget, { minOneBatch, readCommitted, pooled: true });
      assert(minOneBatch || read.bytes <= budget, `fetch read ${read.bytes} bytes past its budget ${budget}`);
      records = read.chunks;
      bytes = read.bytes;
      if (readCommitted && read.bytes > 0) {
        abortedTransactions = p
          .abortedTransactions(slot.fetchOffset, read.nextOffset)
          .map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }));
      }
    }
    const result = {
      ...data,
      highWatermark: p.highWatermark,
      lastStableOffset: p.lastStableOffset,
      logStartOffset: p.logStartOffset,
      abortedTransactions,
      records,
    };
    return { data: result, bytes, heldBack: bytes === 0 && slot.fetchOffset < readable, failed: false };
  } catch (err) {
    const failed = {
      ...data,
      errorCode: errorOf(err, log).errorCode,
      highWatermark: p.highWatermark,
      logStartOffset: p.logStartOffset,
    };
    return { data: failed, bytes: 0, heldBack: false, failed: true };
  }
}

function assembled(reads: readonly SlotRead[], maxBytes: number): FetchRead {
  let total = 0;
  let partitionsWithData = 0;
  for (const read of reads) {
    total += read.bytes;
    if (read.bytes > 0) partitionsWithData++;
  }
  // Past maxBytes only through the first batch of the one partition that returned data (KIP-74).
  assert(total <= maxBytes || partitionsWithData === 1, `fetch of ${total} bytes past maxBytes ${maxBytes}`);
  return { results: reads.map((r) => r.data), total, anyError: reads.some((r) => r.failed) };
}

async function readInOrder(
  slots: readonly Slot[],
  maxBytes: number,
  readCommitted: boolean,
  log: Logger,
): Promise<FetchRead> {
  let remaining = maxBytes;
  let total = 0;
  const reads: SlotRead[] = [];
  for (const slot of slots) {
    // Until some partition has returned data, the next one's first batch may pass both limits.
    const budget = Math.max(Math.min(slot.partitionMaxBytes, remaining), 0);
    const read = await readSlot(slot, budget, total === 0, readCommitted, log);
    remaining = Math.max(remaining - read.bytes, 0);
    total += read.bytes;
    reads.push(read);
  }
  return assembled(reads, maxBytes);
}

/** Reads every slot's partition; `results` follows `slots`. */
export async function readPartitions(
  slots: readonly Slot[],
  maxBytes: number,
  readCommitted: boolean,
  log: Logger,
): Promise<FetchRead> {
  let limitsBytes = 0;
  for (const slot of slots) limitsBytes += Math.max(slot.partitionMaxBytes, 0);
  if (slots.length < 2 || limitsBytes > maxBytes) return readInOrder(slots, maxBytes, readCommitted, log);
  const budgetOf = (slot: Slot) => Math.max(slot.partitionMaxBytes, 0);
  const reads = await Promise.all(slots.map((slot) => readSlot(slot, budgetOf(slot), false, readCommitted, log)));
  // In order, the partitions before the first one with data would have read with minOneBatch: one
  // of them holding back a batch that did not fit would have returned it.
  const firstWithData = reads.findIndex((r) => r.bytes > 0);
  const before = firstWithData < 0 ? reads : reads.slice(0, firstWithData);
  if (!before.some((r) => r.heldBack)) return assembled(reads, maxBytes);
  giveBackReads(reads.map((r) => r.data));
  return readInOrder(slots, maxBytes, readCommitted, log);
}
