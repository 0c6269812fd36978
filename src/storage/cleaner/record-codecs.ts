// The record codecs the cleaner can open and close again: a compressed batch is decompressed to
// find its keys and recompressed with its own codec when records are removed. node:zlib gives
// gzip; snappy, lz4 and zstd come with storage's compression module (the old-clients work adds
// it), and until then a batch in one of those codecs is kept exactly as it is and its keys are
// not mapped, which is safe: the cleaner only ever removes a record it has seen superseded.
import { gunzipSync, gzipSync } from 'node:zlib';
import { ErrorCode } from '../../common/index.js';
import { Compression, InvalidBatchError } from '../record-batch.js';

export { Compression };

export type Codec = (typeof Compression)[keyof typeof Compression];

/** Whether the cleaner can rewrite batches of `codec`. */
export function canRecompress(codec: number): codec is Codec {
  return codec === Compression.none || codec === Compression.gzip;
}

/** The codecs the cleaner rewrites (the tests iterate over them). */
export const RECOMPRESSED_CODECS: readonly Codec[] = [Compression.none, Compression.gzip];

/** Decompresses a batch's records section; more than `maxBytes` out is refused as corrupt. */
export function decompressRecords(codec: Codec, data: Buffer, maxBytes: number): Buffer {
  switch (codec) {
    case Compression.none:
      return data;
    case Compression.gzip:
      try {
        return gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
      } catch (err) {
        throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `gzip records: ${(err as Error).message}`);
      }
    default:
      throw new InvalidBatchError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `the cleaner cannot open codec ${codec}`);
  }
}

export function compressRecords(codec: Codec, data: Buffer): Buffer {
  switch (codec) {
    case Compression.none:
      return data;
    case Compression.gzip:
      return gzipSync(data);
    default:
      throw new InvalidBatchError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `the cleaner cannot write codec ${codec}`);
  }
}
