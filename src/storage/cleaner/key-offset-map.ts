// The cleaner's key -> latest offset map over a dirty section, in a fixed memory bound
// (log.cleaner.dedupe.buffer.size), after Kafka's SkimpyOffsetMap: each key is stored as a
// 16-byte digest beside an 8-byte offset, 24 bytes a slot, in one open-addressing table.
//
// The digest is SHA-256 (node:crypto) cut to its first 16 bytes. Fixed width is what bounds the
// memory whatever the keys' sizes; 128 bits make an accidental collision (which would let one
// key's newer record remove another key's latest one) as unlikely as a disk flipping the bits
// unseen; and SHA-256, unlike the MD5 Kafka uses, has no known way to craft two keys with one
// digest, so a producer cannot aim a key at another tenant's. With the SHA extensions of current
// CPUs it costs about what MD5 does; for short keys the per-call overhead dominates either way.
//
// The table starts small and doubles (rehashing stored digests, never the keys) until it would
// pass the bound; `full` then says to stop adding batches. Probing is double hashing over a
// power-of-two table (odd steps visit every slot), filled to at most 90% (Kafka's
// log.cleaner.io.buffer.load.factor), so a lookup probes about ten slots at worst.
import { createHash } from 'node:crypto';
import { AssertionError, assert } from '../../common/index.js';

export const DIGEST_BYTES = 16;
const OFFSET_BYTES = 8;
export const SLOT_BYTES = DIGEST_BYTES + OFFSET_BYTES;
const LOAD_FACTOR = 0.9;
const INITIAL_SLOTS = 1 << 12;
/** Marks an empty slot (offsets are >= 0). */
const EMPTY = -1;

/** The fixed-width digest of a record key. */
export function keyDigest(key: Uint8Array): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, DIGEST_BYTES);
}

export class KeyOffsetMap {
  private slots: number;
  private digests: Buffer;
  private offsets: Float64Array;
  private entries = 0;
  /** The largest offset put since the last clear; -1 when empty. */
  private latest = -1;
  private readonly slotsMax: number;

  /** `memoryBytesMax` bounds the table (log.cleaner.dedupe.buffer.size). */
  constructor(memoryBytesMax: number) {
    this.slotsMax = largestPowerOfTwoAtMost(Math.floor(memoryBytesMax / SLOT_BYTES));
    assert(this.slotsMax >= 2, `a key map needs room for two keys, got ${memoryBytesMax} bytes`);
    this.slots = Math.min(INITIAL_SLOTS, this.slotsMax);
    this.digests = Buffer.alloc(this.slots * DIGEST_BYTES);
    this.offsets = new Float64Array(this.slots).fill(EMPTY);
  }

  get size(): number {
    return this.entries;
  }

  /** The largest offset the map has seen since the last clear (-1 when empty). */
  get latestOffset(): number {
    return this.latest;
  }

  /** Keys the map can hold at most. */
  get capacity(): number {
    return Math.floor(this.slotsMax * LOAD_FACTOR);
  }

  /** Whether `more` further keys (at worst all new) would pass the bound. */
  wouldOverflow(more: number): boolean {
    return this.entries + more > this.capacity;
  }

  get full(): boolean {
    return this.entries >= this.capacity;
  }

  clear(): void {
    this.entries = 0;
    this.latest = -1;
    this.offsets.fill(EMPTY);
  }

  /** Records `offset` as the latest of the key whose digest is given; offsets come in increasing order. */
  put(digest: Buffer, offset: number): void {
    assert(digest.length === DIGEST_BYTES, 'a key digest has 16 bytes');
    assert(offset > this.latest, `offsets are put in increasing order: ${offset} after ${this.latest}`);
    if (this.entries + 1 > this.slots * LOAD_FACTOR) this.grow();
    const slot = this.find(digest);
    if (this.offsets[slot] === EMPTY) {
      // The caller checks `wouldOverflow` per batch; one batch may pass the load factor, never the table.
      assert(this.entries < this.slots - 1, 'a key map table keeps a free slot');
      digest.copy(this.digests, slot * DIGEST_BYTES);
      this.entries++;
    }
    this.offsets[slot] = offset;
    this.latest = offset;
  }

  /** The latest offset recorded for the key, or -1 when the key is not in the map. */
  get(digest: Buffer): number {
    return this.offsets[this.find(digest)] as number;
  }

  /** The slot holding `digest`, or the empty slot where it would go. Bounded: the table is never full. */
  private find(digest: Buffer): number {
    const mask = this.slots - 1;
    let slot = digest.readUInt32BE(0) & mask;
    const step = (digest.readUInt32BE(4) | 1) & mask || 1;
    for (let probes = 0; probes < this.slots; probes++) {
      if (this.offsets[slot] === EMPTY) return slot;
      if (this.digests.compare(digest, 0, DIGEST_BYTES, slot * DIGEST_BYTES, (slot + 1) * DIGEST_BYTES) === 0) {
        return slot;
      }
      slot = (slot + step) & mask;
    }
    throw new AssertionError('a key map table is never full');
  }

  /** Doubles the table within the bound, moving every stored digest to its new slot. */
  private grow(): void {
    if (this.slots >= this.slotsMax) return;
    const oldDigests = this.digests;
    const oldOffsets = this.offsets;
    const oldSlots = this.slots;
    this.slots *= 2;
    this.digests = Buffer.alloc(this.slots * DIGEST_BYTES);
    this.offsets = new Float64Array(this.slots).fill(EMPTY);
    for (let i = 0; i < oldSlots; i++) {
      const offset = oldOffsets[i] as number;
      if (offset === EMPTY) continue;
      const digest = oldDigests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
      const slot = this.find(digest);
      digest.copy(this.digests, slot * DIGEST_BYTES);
      this.offsets[slot] = offset;
    }
  }
}

function largestPowerOfTwoAtMost(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}
