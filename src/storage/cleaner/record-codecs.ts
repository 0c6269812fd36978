// The record codecs the cleaner opens and closes again (storage's compression.ts: gzip, snappy,
// lz4, zstd in the framing Kafka's Java client writes): a compressed batch is decompressed to find
// its keys and recompressed with its own codec when records are removed. A codec value outside
// Kafka's five (damage) is not opened: such a batch is kept exactly as it is and its keys are not
// mapped, which is safe, since the cleaner only removes a record it has seen superseded.
import { type CompressionCodec, compress, decompress, isCodec } from '../compression.js';
import { Compression } from '../record-batch.js';

export type Codec = CompressionCodec;
export { Compression };

/** Whether the cleaner can rewrite batches of `codec`. */
export function canRecompress(codec: number): codec is Codec {
  return isCodec(codec);
}

/** The codecs the cleaner rewrites (the tests iterate over them). */
export const RECOMPRESSED_CODECS: readonly Codec[] = [
  Compression.none,
  Compression.gzip,
  Compression.snappy,
  Compression.lz4,
  Compression.zstd,
];

/** Decompresses a batch's records section; more than `maxBytes` out is refused as corrupt. */
export function decompressRecords(codec: Codec, data: Buffer, maxBytes: number): Buffer {
  return decompress(codec, data, maxBytes);
}

export function compressRecords(codec: Codec, data: Buffer): Buffer {
  return compress(codec, data);
}
