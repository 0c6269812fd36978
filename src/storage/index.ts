// The storage module's door: partition logs, their manager, the disk they live on, configs and
// batch helpers. Depends on common only.
export { LogManager, type PartitionId, partitionDirName, parsePartitionDirName } from './log-manager.js';
export { pageCacheControlUnavailable } from './page-cache.js';
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
} from './partition-log.js';
export { type LogConfig, TimestampType, defaultLogConfig, logConfigOf, makeLogConfig } from './log-config.js';
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
