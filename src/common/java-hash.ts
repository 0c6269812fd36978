// Kafka's hash for placing a key on a partition of an internal topic: Utils.abs(key.hashCode) % n,
// with Java's String.hashCode (31-based over UTF-16 code units, wrapping at 32 bits) so that a
// group or a transactional id lands on the same partition as it would in Kafka, and Kafka's abs
// (MIN_VALUE maps to 0, not to itself as Math.abs would). The group coordinator places groups on
// __consumer_offsets with it, the transaction coordinator transactional ids on __transaction_state.
import { assert } from './assert.js';

/** Java's String.hashCode: s[0]*31^(n-1) + ... + s[n-1], in int32 arithmetic over UTF-16 units. */
export function javaStringHashCode(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) {
    hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  }
  return hash;
}

/** Kafka's Utils.abs: `n & 0x7fffffff`, so Integer.MIN_VALUE becomes 0. */
export function kafkaAbs(n: number): number {
  return n & 0x7fffffff;
}

/** The partition of an internal topic with `partitionCount` partitions that holds `key`. */
export function partitionForKey(key: string, partitionCount: number): number {
  assert(Number.isInteger(partitionCount) && partitionCount > 0, 'the internal topic has partitions');
  return kafkaAbs(javaStringHashCode(key)) % partitionCount;
}
