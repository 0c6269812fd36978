// The bounded window of AppendEntries a leader has sent a follower and not yet seen acknowledged:
// a ring of (last index, bytes), limited by count and by bytes (the bandwidth-delay product).
import { assert } from '../common/index.js';

export class Inflights {
  private readonly indexes: number[];
  private readonly sizes: number[];
  private start = 0;
  private count = 0;
  private bytes = 0;

  constructor(
    readonly countMax: number,
    readonly bytesMax: number,
  ) {
    assert(countMax > 0, 'in-flight window must hold at least one message');
    this.indexes = new Array<number>(countMax).fill(0);
    this.sizes = new Array<number>(countMax).fill(0);
  }

  /** Records a sent message whose last entry is `index`; indexes must rise. */
  add(index: number, sizeBytes: number): void {
    assert(!this.full(), 'in-flight window overflow');
    if (this.count > 0) {
      const last = this.indexes[(this.start + this.count - 1) % this.countMax] as number;
      assert(index > last, `in-flight index ${index} not above ${last}`);
    }
    const at = (this.start + this.count) % this.countMax;
    this.indexes[at] = index;
    this.sizes[at] = sizeBytes;
    this.count++;
    this.bytes += sizeBytes;
  }

  /** Frees every message whose last index is <= `index` (acknowledged). */
  freeLE(index: number): void {
    while (this.count > 0 && (this.indexes[this.start] as number) <= index) {
      this.bytes -= this.sizes[this.start] as number;
      this.start = (this.start + 1) % this.countMax;
      this.count--;
    }
    if (this.count === 0) this.start = 0;
  }

  /** Frees the oldest message, whatever its index. */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.freeLE(this.indexes[this.start] as number);
  }

  full(): boolean {
    return this.count >= this.countMax || (this.bytesMax > 0 && this.bytes >= this.bytesMax);
  }

  size(): number {
    return this.count;
  }

  sizeBytes(): number {
    return this.bytes;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
