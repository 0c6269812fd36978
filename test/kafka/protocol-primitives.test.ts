// The reader and writer underneath the codec: fixed-width integers, int64 as numbers, unsigned
// and ZigZag varints, and the hostile-input checks (short reads, oversized counts).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProtocolError } from '../../src/common/errors.js';
import { limits } from '../../src/common/limits.js';
import { Reader } from '../../src/common/binary/reader.js';
import { concat, Writer } from '../../src/common/binary/writer.js';

function written(write: (w: Writer) => void): Buffer {
  const w = new Writer(8);
  write(w);
  return concat(w.finish());
}

describe('int64 as a number', () => {
  it('round-trips every safe integer', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(new Reader(written((w) => w.int64(n))).int64()).toBe(n);
      }),
    );
  });

  it('reads the big-endian two-complement layout', () => {
    expect(new Reader(Buffer.from('ffffffffffffffff', 'hex')).int64()).toBe(-1);
    expect(new Reader(Buffer.from('0000000100000000', 'hex')).int64()).toBe(2 ** 32);
    expect(new Reader(Buffer.from('fffffffeffffffff', 'hex')).int64()).toBe(-(2 ** 32) - 1);
  });

  it('decodes values beyond 2^53 to the nearest number instead of throwing', () => {
    const max = Buffer.from('7fffffffffffffff', 'hex');
    expect(new Reader(max).int64()).toBe(2 ** 63);
    const min = Buffer.from('8000000000000000', 'hex');
    expect(new Reader(min).int64()).toBe(-(2 ** 63));
    const big = Buffer.alloc(8);
    big.writeBigInt64BE(2n ** 53n + 1n);
    expect(new Reader(big).int64()).toBe(2 ** 53);
  });

  it('clamps numbers outside the int64 range when writing', () => {
    expect(written((w) => w.int64(2 ** 70)).toString('hex')).toBe('7fffffffffffffff');
    expect(written((w) => w.int64(-(2 ** 70))).toString('hex')).toBe('8000000000000000');
    expect(written((w) => w.int64(-1)).toString('hex')).toBe('ffffffffffffffff');
  });
});

describe('varints', () => {
  it('writes unsigned varints in 7-bit groups, low group first', () => {
    expect(written((w) => w.unsignedVarint(0)).toString('hex')).toBe('00');
    expect(written((w) => w.unsignedVarint(127)).toString('hex')).toBe('7f');
    expect(written((w) => w.unsignedVarint(128)).toString('hex')).toBe('8001');
    expect(written((w) => w.unsignedVarint(300)).toString('hex')).toBe('ac02');
    expect(written((w) => w.unsignedVarint(0xffffffff)).toString('hex')).toBe('ffffffff0f');
  });

  it('ZigZag-encodes signed varints (record-level), unlike compact lengths', () => {
    expect(written((w) => w.varint(0)).toString('hex')).toBe('00');
    expect(written((w) => w.varint(-1)).toString('hex')).toBe('01');
    expect(written((w) => w.varint(1)).toString('hex')).toBe('02');
    expect(written((w) => w.varint(-64)).toString('hex')).toBe('7f');
    expect(written((w) => w.varint(64)).toString('hex')).toBe('8001');
    expect(written((w) => w.varint(-0x80000000)).toString('hex')).toBe('ffffffff0f');
  });

  it('round-trips unsigned varints, varints and varlongs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer(), fc.maxSafeInteger(), (u, s, l) => {
        const r = new Reader(
          written((w) => {
            w.unsignedVarint(u);
            w.varint(s);
            w.varlong(l);
          }),
        );
        expect(r.unsignedVarint()).toBe(u);
        expect(r.varint()).toBe(s);
        expect(r.varlong()).toBe(l);
        expect(r.remaining).toBe(0);
      }),
    );
  });

  it('refuses a 32-bit varint longer than 5 bytes or above 32 bits', () => {
    expect(() => new Reader(Buffer.from('ffffffffff01', 'hex')).unsignedVarint()).toThrow(ProtocolError);
    expect(() => new Reader(Buffer.from('ffffffff1f', 'hex')).unsignedVarint()).toThrow(ProtocolError);
    expect(() => new Reader(Buffer.from('8080', 'hex')).unsignedVarint()).toThrow(ProtocolError);
  });

  it('refuses a varlong longer than 10 bytes', () => {
    expect(() => new Reader(Buffer.from('ffffffffffffffffffff01', 'hex')).varlong()).toThrow(ProtocolError);
    expect(new Reader(Buffer.from('ffffffffffffffff7f', 'hex')).unsignedVarlong()).toBe(2 ** 63 - 1);
  });
});

describe('hostile input', () => {
  it('throws ProtocolError, not RangeError, on every short read', () => {
    const r = new Reader(Buffer.from('0102', 'hex'));
    expect(() => r.int32()).toThrow(ProtocolError);
    expect(() => r.int64()).toThrow(ProtocolError);
    expect(() => r.uuid()).toThrow(ProtocolError);
    expect(() => r.bytes(3)).toThrow(ProtocolError);
    expect(() => r.utf8(-2)).toThrow(ProtocolError);
    expect(r.int16()).toBe(0x0102);
    expect(() => r.int8()).toThrow(ProtocolError);
  });

  it('refuses counts larger than the bytes left or than arrayLengthMax', () => {
    const r = new Reader(Buffer.alloc(100));
    expect(() => r.checkCount(26, 4, 'x')).toThrow(ProtocolError);
    expect(() => r.checkCount(limits.arrayLengthMax + 1, 0, 'x')).toThrow(ProtocolError);
    r.checkCount(25, 4, 'x');
  });

  it('bounds a sub-reader to its section', () => {
    const r = new Reader(Buffer.from('0102030405', 'hex'));
    const sub = r.sub(2);
    expect(sub.int16()).toBe(0x0102);
    expect(() => sub.int8()).toThrow(ProtocolError);
    expect(r.int8()).toBe(3);
  });
});

describe('writer vector', () => {
  it('places large buffers in the output without copying and keeps order', () => {
    const big = Buffer.alloc(4096, 7);
    const w = new Writer(16);
    w.int32(1);
    w.append(big);
    w.int16(2);
    const chunks = w.finish();
    expect(chunks).toContain(big);
    expect(w.length).toBe(4 + 4096 + 2);
    const all = concat(chunks);
    expect(all.readInt32BE(0)).toBe(1);
    expect(all.readInt16BE(4100)).toBe(2);
  });

  it('grows its scratch buffer and fills reserved marks later', () => {
    const w = new Writer(4);
    const mark = w.reserve(4);
    for (let i = 0; i < 100; i++) w.int32(i);
    mark.buffer.writeInt32BE(w.length - 4, mark.offset);
    const all = concat(w.finish());
    expect(all.length).toBe(404);
    expect(all.readInt32BE(0)).toBe(400);
    expect(all.readInt32BE(400)).toBe(99);
  });

  it('writes uuids as 16 bytes', () => {
    const uuid = '0123abcd-4567-89ef-0123-456789abcdef';
    const bytes = written((w) => w.uuid(uuid));
    expect(bytes.toString('hex')).toBe('0123abcd456789ef0123456789abcdef');
    expect(new Reader(bytes).uuid()).toBe(uuid);
  });
});
