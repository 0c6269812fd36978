// A TransactionStateLog over a __transaction_state partition this node leads: records go in as one
// uncompressed batch appended as leader and are acknowledged once the high watermark passes them
// (acks=all under the partition's write quorum); they come back out by reading the partition from
// its start to the high watermark.
import { ErrorCode, KafkaError, type Logger } from '../common/index.js';
import type { Replica } from '../replication/index.js';
import { buildRecordBatch, decodeRecords, isControlBatch, readBatchHeader, splitBatches } from '../storage/index.js';
import { decodeTxnLogRecord, encodeTxnLogRecord, type TxnLogRecord } from './records.js';
import type { TransactionStateLog } from './state-log.js';

/** Bytes read per step while replaying a partition. */
const REPLAY_READ_BYTES = 1024 * 1024;
/** Rounds of writeTimeoutMs a new leader waits for its high watermark before loading anyway. */
const LOAD_WAIT_ATTEMPTS_MAX = 120;

export class PartitionTransactionStateLog implements TransactionStateLog {
  readonly coordinatorEpoch: number;

  constructor(
    private readonly partition: Replica,
    private readonly writeTimeoutMs: number,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    this.coordinatorEpoch = partition.leaderEpoch;
  }

  async replay(visit: (record: TxnLogRecord) => void): Promise<void> {
    // A new leader's log may end with records of earlier epochs not yet known to be committed:
    // load only once the high watermark covers the whole log as it was on taking leadership, so
    // every transition a producer was told about is loaded. Gives up (NOT_LEADER_OR_FOLLOWER)
    // when leadership moves on; keeps waiting while too few replicas are live.
    const target = this.partition.logEndOffset;
    for (let attempt = 0; attempt < LOAD_WAIT_ATTEMPTS_MAX; attempt++) {
      try {
        await this.partition.waitForHighWatermark(target, this.writeTimeoutMs);
        break;
      } catch (err) {
        if (!(err instanceof KafkaError && err.code === ErrorCode.REQUEST_TIMED_OUT)) throw err;
        this.log.warn(
          { partition: this.partition.partition, target, highWatermark: this.partition.highWatermark },
          'waiting for the high watermark before loading transactional ids',
        );
      }
    }
    const end = this.partition.highWatermark;
    let offset = this.partition.logStartOffset;
    // Every step advances `offset` past at least one batch, so this ends within end - start steps.
    while (offset < end) {
      const { chunks } = await this.partition.read(offset, REPLAY_READ_BYTES);
      if (chunks.length === 0) break;
      const before = offset;
      for (const chunk of chunks) {
        for (const batch of splitBatches(chunk)) {
          const header = readBatchHeader(batch);
          const next = header.baseOffset + header.lastOffsetDelta + 1;
          if (next <= offset) continue;
          if (!isControlBatch(header.attributes)) this.replayBatch(batch, offset, visit);
          offset = next;
        }
      }
      if (offset === before) break;
    }
  }

  private replayBatch(batch: Buffer, fromOffset: number, visit: (record: TxnLogRecord) => void): void {
    let records;
    try {
      records = decodeRecords(batch);
    } catch (err) {
      this.log.warn(
        { err, partition: this.partition.partition },
        'skipping an unreadable batch in __transaction_state',
      );
      return;
    }
    for (const record of records) {
      if (record.offset < fromOffset || record.key === null) continue;
      let decoded: TxnLogRecord | null;
      try {
        decoded = decodeTxnLogRecord(record.key, record.value);
      } catch (err) {
        // Only the coordinator writes here; a record it cannot read is damage or a newer writer's,
        // and skipping it loses that id's latest state, so it is loud.
        this.log.error(
          { err, offset: record.offset, partition: this.partition.partition },
          'skipping an unreadable __transaction_state record',
        );
        continue;
      }
      if (decoded) visit(decoded);
    }
  }

  async append(records: readonly TxnLogRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (!this.partition.canAcceptAcksAll()) {
      throw new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, 'fewer than write.quorum replicas of __transaction_state');
    }
    if (this.partition.leaderEpoch !== this.coordinatorEpoch) {
      throw new KafkaError(ErrorCode.NOT_COORDINATOR, 'the __transaction_state partition has a newer leader epoch');
    }
    const timestamp = this.now();
    const batch = buildRecordBatch(records.map((r) => ({ ...encodeTxnLogRecord(r), timestamp })));
    const result = this.partition.append([batch], { origin: 'coordinator', messageCount: records.length });
    await this.partition.waitForHighWatermark(result.lastOffset + 1, this.writeTimeoutMs);
  }
}
