// Reading a partition this node leads back from its start to the high watermark, batch by batch:
// how a coordinator (consumer groups, transactions) loads the state its records hold when it takes
// over a partition of its internal topic.
import { ErrorCode, KafkaError, type Logger } from '../common/index.js';
import { type BatchHeader, readBatchHeader, splitBatches } from '../storage/index.js';
import type { Replica } from './replica.js';

/** Bytes read per step while replaying a partition. */
const REPLAY_READ_BYTES = 1024 * 1024;
/** Rounds of writeTimeoutMs a new leader waits for its high watermark before loading anyway. */
const LOAD_WAIT_ATTEMPTS_MAX = 120;

/**
 * Waits until the high watermark covers the log as it was on taking leadership (a new leader's
 * log may end with records of earlier epochs not yet known to be committed, and every transition a
 * client was told about must be loaded), then hands each batch below the high watermark to
 * `visit` with its header and the first offset not yet visited. Gives up with
 * NOT_LEADER_OR_FOLLOWER when leadership moves on; keeps waiting (with a log line naming `what`)
 * while too few replicas are live.
 */
export async function replayCommitted(
  partition: Replica,
  writeTimeoutMs: number,
  log: Logger,
  what: string,
  visit: (batch: Buffer, header: BatchHeader, fromOffset: number) => void,
): Promise<void> {
  const target = partition.logEndOffset;
  for (let attempt = 0; attempt < LOAD_WAIT_ATTEMPTS_MAX; attempt++) {
    try {
      await partition.waitForHighWatermark(target, writeTimeoutMs);
      break;
    } catch (err) {
      if (!(err instanceof KafkaError && err.code === ErrorCode.REQUEST_TIMED_OUT)) throw err;
      log.warn(
        { partition: partition.partition, target, highWatermark: partition.highWatermark },
        `waiting for the high watermark before loading ${what}`,
      );
    }
  }
  const end = partition.highWatermark;
  let offset = partition.logStartOffset;
  // Every step advances `offset` past at least one batch, so this ends within end - start steps.
  while (offset < end) {
    const { chunks } = await partition.read(offset, REPLAY_READ_BYTES);
    if (chunks.length === 0) break;
    const before = offset;
    for (const chunk of chunks) {
      for (const batch of splitBatches(chunk)) {
        const header = readBatchHeader(batch);
        const next = header.baseOffset + header.lastOffsetDelta + 1;
        if (next <= offset) continue;
        visit(batch, header, offset);
        offset = next;
      }
    }
    if (offset === before) break;
  }
}
