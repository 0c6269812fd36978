// A CoordinatorLog over a __consumer_offsets partition this node leads: records go in as one
// uncompressed batch appended as leader (transactional, with the producer's id and epoch, for
// TxnOffsetCommit), acknowledged once the high watermark passes it, and come back out by reading
// the partition from its start to the high watermark, transaction markers included.
import type { Logger } from '../common/index.js';
import { replayCommitted, type Replica } from '../replication/index.js';
import {
  buildRecordBatch,
  decodeRecords,
  isControlBatch,
  isTransactionalBatch,
  readBatchHeader,
  readMarker,
} from '../storage/index.js';
import type { CoordinatorLog, ReplayEntry, TransactionalProducer } from './coordinator-log.js';
import { decodeCoordinatorRecord, encodeCoordinatorRecord, type CoordinatorRecord } from './records.js';

export class PartitionCoordinatorLog implements CoordinatorLog {
  constructor(
    private readonly partition: Replica,
    private readonly writeTimeoutMs: number,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  async replay(visit: (entry: ReplayEntry) => void): Promise<void> {
    // Loads only once the high watermark covers the log as it was on taking leadership, so the
    // groups replayed include every acknowledged commit; transaction markers included.
    await replayCommitted(this.partition, this.writeTimeoutMs, this.log, 'groups', (batch, header, from) => {
      if (isControlBatch(header.attributes)) this.replayMarker(batch, visit);
      else this.replayBatch(batch, from, visit);
    });
  }

  private replayMarker(batch: Buffer, visit: (entry: ReplayEntry) => void): void {
    const header = readBatchHeader(batch);
    try {
      const marker = readMarker(batch);
      if (marker === null) return;
      visit({ kind: 'marker', producerId: header.producerId, committed: marker.committed, offset: header.baseOffset });
    } catch (err) {
      this.log.warn(
        { err, partition: this.partition.partition },
        'skipping an unreadable marker in __consumer_offsets',
      );
    }
  }

  private replayBatch(batch: Buffer, fromOffset: number, visit: (entry: ReplayEntry) => void): void {
    const header = readBatchHeader(batch);
    const producerId = isTransactionalBatch(header.attributes) ? header.producerId : null;
    let records;
    try {
      records = decodeRecords(batch);
    } catch (err) {
      // Only the coordinator writes here (uncompressed); anything else is not ours to interpret.
      this.log.warn({ err, partition: this.partition.partition }, 'skipping an unreadable batch in __consumer_offsets');
      return;
    }
    for (const record of records) {
      if (record.offset < fromOffset || record.key === null) continue;
      try {
        const decoded = decodeCoordinatorRecord(record.key, record.value);
        if (decoded) visit({ kind: 'record', record: decoded, offset: record.offset, producerId });
      } catch (err) {
        this.log.warn(
          { err, offset: record.offset, partition: this.partition.partition },
          'skipping an unreadable __consumer_offsets record',
        );
      }
    }
  }

  async append(
    records: readonly CoordinatorRecord[],
    transaction?: TransactionalProducer,
  ): Promise<{ baseOffset: number }> {
    if (records.length === 0) return { baseOffset: this.partition.logEndOffset };
    const timestamp = this.now();
    const producer = transaction
      ? {
          producerId: transaction.producerId,
          producerEpoch: transaction.producerEpoch,
          baseSequence: 0,
          transactional: true,
        }
      : {};
    const batch = buildRecordBatch(
      records.map((r) => ({ ...encodeCoordinatorRecord(r), timestamp })),
      producer,
    );
    // A coordinator's write: the producer's epoch is checked, its sequence is not (Kafka's
    // AppendOrigin.COORDINATOR).
    const result = this.partition.append([batch], { origin: 'coordinator', messageCount: records.length });
    await this.partition.waitForHighWatermark(result.lastOffset + 1, this.writeTimeoutMs);
    return { baseOffset: result.baseOffset };
  }
}
