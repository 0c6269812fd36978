// The storage module's door: partition logs, their manager, the disk they live on, configs and
// batch helpers. Depends on common only.
export {
  LogManager,
  type LogManagerOptions,
  type PartitionId,
  partitionDirName,
  parsePartitionDirName,
} from './log-manager.js';
export { type CleanerSettings, type CleanerStats, LogCleaner } from './cleaner/log-cleaner.js';
export type { CleanableBound } from './cleaner/log-compaction.js';
export { keylessRecordIndexes } from './cleaner/batch-records.js';
export { pageCacheControlUnavailable } from './page-cache.js';
export { fetchReadBuffers, ReadBufferPool } from './read-buffers.js';
export {
  type Disk,
  type DiskEntry,
  type DiskStat,
  type OpenMode,
  type PageCacheAdvice,
  DiskError,
  errorCode,
} from './disk.js';
export { nodeDisk } from './node-disk.js';
export { timedDisk } from './timed-disk.js';
export { replaceFile, TEMP_SUFFIX } from './file-io.js';
export {
  PartitionLog,
  type PartitionLogOptions,
  type LogAppendResult,
  type LogReadResult,
  type TimestampOffset,
  type LogStats,
  type LeaderAppendOptions,
} from './partition-log.js';
export {
  type AppendOrigin,
  type TransactionStartRule,
  type VerificationGuard,
  type ProducerDescription,
} from './producer-state.js';
export { type TxnMarker, buildMarkerBatch, readMarker, ControlRecordType } from './control-record.js';
export { type AbortedTxn, TxnIndex } from './txn-index.js';
export {
  type CleanupPolicy,
  type LogConfig,
  TimestampType,
  appliesRetention,
  defaultLogConfig,
  isCompacted,
  logConfigOf,
  makeLogConfig,
} from './log-config.js';
export {
  BatchOffsets,
  BATCH_HEADER_BYTES,
  Attributes,
  Compression,
  InvalidBatchError,
  type BatchHeader,
  readBatchHeader,
  lastOffsetOf,
  splitBatches,
  recordsInBatches,
  validateClientBatch,
  type ValidateOptions,
  setBaseOffsetAndEpoch,
  setLogAppendTime,
  computeBatchCrc,
  isControlBatch,
  isTransactionalBatch,
  compressionOf,
} from './record-batch.js';
export {
  type CompressionCodec,
  type CompressionType,
  CODEC_NAMES,
  codecOfCompressionType,
  compress,
  decompress,
  isCodec,
} from './compression.js';
export {
  buildRecordBatch,
  decodeRecords,
  recordsSection,
  recompressBatch,
  type RecordInput,
  type RecordHeader,
  type DecodedRecord,
  type BuildBatchOptions,
} from './record-codec.js';
export {
  type LegacyMagic,
  NO_TIMESTAMP,
  firstMagic,
  parseMessageSet,
  messageSetToBatch,
  batchToMessageSet,
  batchesToMessageSet,
} from './message-set.js';
export { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEntry } from './leader-epoch-cache.js';
