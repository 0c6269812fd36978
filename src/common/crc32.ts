// CRC-32 (IEEE, zlib's) as Kafka's message formats v0 and v1 use it. Native, never a JavaScript loop.
import { crc32 as nativeCrc32 } from '@node-rs/crc32';

export function crc32(bytes: Uint8Array): number {
  return nativeCrc32(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) >>> 0;
}
