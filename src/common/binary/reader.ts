// A bounded reader over one frame. Input is hostile: every read checks the bytes left first, and
// every length or count is checked against them before anything is allocated, so a malformed
// frame costs at most its own size and ends in a ProtocolError (the connection is closed), never a
// RangeError, a hang or a huge allocation.
import { ProtocolError } from '../errors.js';
import { limits } from '../limits.js';

const TWO_POW_32 = 4294967296;

export class Reader {
  readonly buf: Buffer;
  offset: number;
  /** One past the last byte this reader may read. */
  readonly end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    if (offset < 0 || end > buf.length || offset > end) {
      throw new ProtocolError(`reader bounds [${offset}, ${end}) outside a buffer of ${buf.length}`);
    }
    this.buf = buf;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(bytes: number, what: string): void {
    if (this.end - this.offset < bytes) {
      throw new ProtocolError(`truncated ${what}: need ${bytes} bytes, ${this.end - this.offset} left`);
    }
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buf.readInt8(this.offset++);
  }

  uint8(): number {
    this.need(1, 'uint8');
    return this.buf[this.offset++] as number;
  }

  bool(): boolean {
    this.need(1, 'bool');
    return this.buf[this.offset++] !== 0;
  }

  int16(): number {
    this.need(2, 'int16');
    const value = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  uint16(): number {
    this.need(2, 'uint16');
    const value = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.need(4, 'int32');
    const value = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const value = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** An int64 as a number: exact within +-2^53, the nearest double beyond (never throws). */
  int64(): number {
    this.need(8, 'int64');
    const hi = this.buf.readInt32BE(this.offset);
    const lo = this.buf.readUInt32BE(this.offset + 4);
    this.offset += 8;
    // hi * 2^32 is exact; the one addition rounds to the nearest double.
    return hi * TWO_POW_32 + lo;
  }

  float64(): number {
    this.need(8, 'float64');
    const value = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return value;
  }

  /** A 16-byte uuid as lowercase 8-4-4-4-12 hex. */
  uuid(): string {
    this.need(16, 'uuid');
    const hex = this.buf.toString('hex', this.offset, this.offset + 16);
    this.offset += 16;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** An unsigned 32-bit varint (at most 5 bytes), as protocol-level compact lengths use. */
  unsignedVarint(): number {
    const buf = this.buf;
    if (this.offset < this.end) {
      const first = buf[this.offset] as number;
      if (first < 0x80) {
        this.offset++;
        return first;
      }
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (this.offset >= this.end) throw new ProtocolError('truncated varint');
      const byte = buf[this.offset++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (value > 0xffffffff) throw new ProtocolError('varint overflows 32 bits');
        return value;
      }
      scale *= 128;
    }
    throw new ProtocolError('varint longer than 5 bytes');
  }

  /** An unsigned 64-bit varint (at most 10 bytes), as a number (lossy beyond 2^53). */
  unsignedVarlong(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw new ProtocolError('truncated varlong');
      const byte = this.buf[this.offset++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new ProtocolError('varlong longer than 10 bytes');
  }

  /** A ZigZag-encoded signed 32-bit varint (record-level encoding). */
  varint(): number {
    const u = this.unsignedVarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** A ZigZag-encoded signed 64-bit varint, as a number (lossy beyond 2^53). */
  varlong(): number {
    const start = this.offset;
    const u = this.unsignedVarlong();
    // Below 2^49 (at most 7 bytes) the number is exact; above, the ZigZag sign bit would be lost
    // to rounding, so decode those rare long ones again exactly.
    if (this.offset - start <= 7) return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    let exact = 0n;
    for (let i = this.offset - 1; i >= start; i--) exact = (exact << 7n) | BigInt((this.buf[i] as number) & 0x7f);
    return Number(exact & 1n ? -((exact + 1n) >> 1n) : exact >> 1n);
  }

  /** The next `length` bytes as a view into the frame (no copy). */
  bytes(length: number): Buffer {
    if (length < 0) throw new ProtocolError(`negative length ${length}`);
    this.need(length, 'bytes');
    const start = this.offset;
    this.offset += length;
    return this.buf.subarray(start, start + length);
  }

  /** The next `length` bytes decoded as UTF-8. */
  utf8(length: number): string {
    if (length < 0) throw new ProtocolError(`negative length ${length}`);
    this.need(length, 'string');
    const start = this.offset;
    this.offset += length;
    return this.buf.toString('utf8', start, start + length);
  }

  skip(length: number): void {
    if (length < 0) throw new ProtocolError(`negative length ${length}`);
    this.need(length, 'skipped bytes');
    this.offset += length;
  }

  /**
   * Checks an element count against the bytes left: `count` elements of at least
   * `elementSizeBytesMin` bytes each must fit, and no count may exceed limits.arrayLengthMax.
   */
  checkCount(count: number, elementSizeBytesMin: number, what: string): void {
    if (count > limits.arrayLengthMax) {
      throw new ProtocolError(`${what} count ${count} exceeds ${limits.arrayLengthMax}`);
    }
    if (count * elementSizeBytesMin > this.end - this.offset) {
      throw new ProtocolError(`${what} count ${count} larger than the ${this.end - this.offset} bytes left`);
    }
  }

  /** A reader over the next `length` bytes; this reader moves past them. */
  sub(length: number): Reader {
    if (length < 0) throw new ProtocolError(`negative length ${length}`);
    this.need(length, 'nested section');
    const child = new Reader(this.buf, this.offset, this.offset + length);
    this.offset += length;
    return child;
  }
}
