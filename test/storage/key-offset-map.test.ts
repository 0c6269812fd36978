// The cleaner's key -> latest offset map (src/storage/cleaner/key-offset-map.ts): latest offset per
// key, growth within its memory bound, and the overflow check that ends a pass's mapping.
import { describe, expect, it } from 'vitest';
import { KeyOffsetMap, SLOT_BYTES, keyDigest } from '../../src/storage/cleaner/key-offset-map.js';

const key = (i: number): Buffer => keyDigest(Buffer.from(`key-${i}`));

describe('KeyOffsetMap', () => {
  it('keeps the latest offset of each key, and -1 for a key it never saw', () => {
    const map = new KeyOffsetMap(1024 * 1024);
    for (let offset = 0; offset < 30_000; offset++) map.put(key(offset % 7_000), offset);
    expect(map.size).toBe(7_000);
    // Key k was last put at the largest offset below 30,000 that is k modulo 7,000.
    for (let k = 0; k < 7_000; k++) expect(map.get(key(k))).toBe(k < 2_000 ? 28_000 + k : 21_000 + k);
    expect(map.get(key(123_456))).toBe(-1);
    expect(map.latestOffset).toBe(29_999);
  });

  it('grows from a small table up to its memory bound, and says when a batch would not fit', () => {
    const bytes = 64 * 1024;
    const map = new KeyOffsetMap(bytes);
    // 64 KiB / 24 bytes: 2,730 slots, rounded down to 2,048, of which 90% may be used.
    expect(map.capacity).toBe(Math.floor(2048 * 0.9));
    expect(map.capacity * SLOT_BYTES).toBeLessThanOrEqual(bytes);
    let offset = 0;
    while (!map.wouldOverflow(10)) for (let i = 0; i < 10; i++) map.put(key(offset), offset++);
    expect(map.size).toBeLessThanOrEqual(map.capacity);
    expect(map.size).toBeGreaterThan(map.capacity - 10);
    for (let k = 0; k < offset; k++) expect(map.get(key(k))).toBe(k);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.get(key(1))).toBe(-1);
  });

  it('refuses offsets out of order (a bug in the caller)', () => {
    const map = new KeyOffsetMap(4096);
    map.put(key(1), 10);
    expect(() => map.put(key(2), 10)).toThrow(/increasing/);
  });
});
