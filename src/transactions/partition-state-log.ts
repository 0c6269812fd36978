// A TransactionStateLog over a __transaction_state partition this node leads: records go in as one
// uncompressed batch appended as leader and are acknowledged once the high watermark passes them
// (acks=all under the partition's write quorum); they come back out by reading the partition from
// its start to the high watermark.
import { ErrorCode, KafkaError, type Logger } from '../common/index.js';
import { replayCommitted, type Replica } from '../replication/index.js';
import { buildRecordBatch, decodeRecords, isControlBatch } from '../storage/index.js';
import { decodeTxnLogRecord, encodeTxnLogRecord, type TxnLogRecord } from './records.js';
import type { TransactionStateLog } from './state-log.js';

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
    // Loads only once the high watermark covers the log as it was on taking leadership, so every
    // transition a producer was told about is loaded.
    await replayCommitted(this.partition, this.writeTimeoutMs, this.log, 'transactional ids', (batch, header, from) => {
      if (!isControlBatch(header.attributes)) this.replayBatch(batch, from, visit);
    });
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
