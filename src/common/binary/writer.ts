// An encoder that produces a vector of buffers for a corked socket write. Small fixed fields go
// into a growing scratch buffer; large payloads (record batches read from segment files) are
// placed in the vector as they are, never copied. Encoding wrong values (a number out of range,
// a string too long for its length prefix) is a bug in the caller and is asserted.
import { assert } from '../assert.js';

const TWO_POW_32 = 4294967296;
const INT64_MAX_AS_NUMBER = 2 ** 63; // Long.MAX_VALUE as a double rounds up to 2^63
const INT64_MIN_AS_NUMBER = -(2 ** 63);
/** Buffers at least this long are appended to the vector instead of being copied. */
const COPY_THRESHOLD_BYTES = 512;
const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A place in the output reserved for a value known only later (a frame's size prefix). */
export interface Mark {
  readonly buffer: Buffer;
  readonly offset: number;
}

export class Writer {
  private readonly chunks: Buffer[] = [];
  private scratch: Buffer;
  /** Start of the part of `scratch` not yet moved to `chunks`. */
  private start = 0;
  private pos = 0;
  private flushedBytes = 0;

  constructor(initialSizeBytes = 512) {
    this.scratch = Buffer.allocUnsafe(initialSizeBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.flushedBytes + (this.pos - this.start);
  }

  private ensure(bytes: number): void {
    if (this.scratch.length - this.pos >= bytes) return;
    this.flush();
    // The old scratch stays referenced by the chunks already flushed; start a new, larger one.
    this.scratch = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, bytes, 256));
    this.start = 0;
    this.pos = 0;
  }

  private flush(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.scratch.subarray(this.start, this.pos));
      this.flushedBytes += this.pos - this.start;
      this.start = this.pos;
    }
  }

  /** Reserves `bytes` bytes to be filled in later through the returned mark. */
  reserve(bytes: number): Mark {
    this.ensure(bytes);
    const mark = { buffer: this.scratch, offset: this.pos };
    this.pos += bytes;
    return mark;
  }

  int8(value: number): void {
    this.ensure(1);
    this.scratch.writeInt8(value, this.pos);
    this.pos += 1;
  }

  uint8(value: number): void {
    this.ensure(1);
    this.scratch.writeUInt8(value, this.pos);
    this.pos += 1;
  }

  bool(value: boolean): void {
    this.ensure(1);
    this.scratch[this.pos++] = value ? 1 : 0;
  }

  int16(value: number): void {
    this.ensure(2);
    this.scratch.writeInt16BE(value, this.pos);
    this.pos += 2;
  }

  uint16(value: number): void {
    this.ensure(2);
    this.scratch.writeUInt16BE(value, this.pos);
    this.pos += 2;
  }

  int32(value: number): void {
    this.ensure(4);
    this.scratch.writeInt32BE(value, this.pos);
    this.pos += 4;
  }

  uint32(value: number): void {
    this.ensure(4);
    this.scratch.writeUInt32BE(value, this.pos);
    this.pos += 4;
  }

  /** An int64 from a number, clamped to the int64 range; fractions are truncated. */
  int64(value: number): void {
    assert(!Number.isNaN(value), 'int64 value is NaN');
    this.ensure(8);
    let hi: number;
    let lo: number;
    if (value >= INT64_MAX_AS_NUMBER) {
      hi = 0x7fffffff;
      lo = 0xffffffff;
    } else if (value <= INT64_MIN_AS_NUMBER) {
      hi = -0x80000000;
      lo = 0;
    } else {
      const whole = Math.trunc(value);
      hi = Math.floor(whole / TWO_POW_32);
      lo = whole - hi * TWO_POW_32;
    }
    this.scratch.writeInt32BE(hi, this.pos);
    this.scratch.writeUInt32BE(lo, this.pos + 4);
    this.pos += 8;
  }

  float64(value: number): void {
    this.ensure(8);
    this.scratch.writeDoubleBE(value, this.pos);
    this.pos += 8;
  }

  /** A uuid given as 8-4-4-4-12 hex (either case). */
  uuid(value: string): void {
    assert(UUID_PATTERN.test(value), `not a uuid: ${value}`);
    this.ensure(16);
    const hex = value.replaceAll('-', '');
    this.scratch.write(hex, this.pos, 16, 'hex');
    this.pos += 16;
  }

  /** An unsigned 32-bit varint. */
  unsignedVarint(value: number): void {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xffffffff, `unsigned varint out of range: ${value}`);
    this.ensure(5);
    const buf = this.scratch;
    let v = value;
    while (v >= 0x80) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[this.pos++] = v;
  }

  /** An unsigned 64-bit varint from a non-negative number. */
  unsignedVarlong(value: number): void {
    assert(Number.isInteger(value) && value >= 0, `unsigned varlong out of range: ${value}`);
    this.ensure(10);
    const buf = this.scratch;
    let v = value;
    for (let i = 0; i < 9 && v >= 0x80; i++) {
      buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[this.pos++] = Math.min(v, 0x7f);
  }

  /** A ZigZag signed 32-bit varint (record-level encoding). */
  varint(value: number): void {
    assert(Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff, `varint out of range: ${value}`);
    this.unsignedVarint(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** A ZigZag signed 64-bit varint from a number (clamped to the int64 range). */
  varlong(value: number): void {
    assert(Number.isInteger(value), `varlong not an integer: ${value}`);
    if (Math.abs(value) < 2 ** 52) {
      this.unsignedVarlong(value >= 0 ? value * 2 : -value * 2 - 1);
      return;
    }
    // Beyond 2^52 the ZigZag value no longer fits a double exactly: go through BigInt.
    const clamped = BigInt.asIntN(64, BigInt(Math.min(Math.max(value, INT64_MIN_AS_NUMBER), 2 ** 63 - 1024)));
    let u = BigInt.asUintN(64, (clamped << 1n) ^ (clamped >> 63n));
    this.ensure(10);
    while (u >= 0x80n) {
      this.scratch[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.scratch[this.pos++] = Number(u);
  }

  /** UTF-8 text with no length prefix; the caller wrote `byteLength` already. */
  utf8(value: string, byteLength: number): void {
    this.ensure(byteLength);
    const written = this.scratch.write(value, this.pos, byteLength, 'utf8');
    assert(written === byteLength, 'utf8 length changed while writing');
    this.pos += byteLength;
  }

  /** Raw bytes: small ones are copied into the scratch buffer, large ones appended as they are. */
  bytes(value: Uint8Array): void {
    if (value.length >= COPY_THRESHOLD_BYTES) {
      this.append(value);
      return;
    }
    this.ensure(value.length);
    this.scratch.set(value, this.pos);
    this.pos += value.length;
  }

  /** Appends a buffer to the output vector without copying it. */
  append(value: Uint8Array): void {
    if (value.length === 0) return;
    this.flush();
    this.chunks.push(Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length));
    this.flushedBytes += value.length;
  }

  /** The output so far as a vector. The writer must not be used afterwards. */
  finish(): Buffer[] {
    this.flush();
    return this.chunks;
  }
}

/** Concatenates a vector (tests, small frames). */
export function concat(chunks: readonly Buffer[]): Buffer {
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}
