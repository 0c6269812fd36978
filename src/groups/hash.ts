// Which __consumer_offsets partition holds a group: Kafka's Utils.abs(groupId.hashCode) % n
// (common/java-hash.ts), so a group lands on the same partition as it would in Kafka.
import { partitionForKey } from '../common/index.js';

export { javaStringHashCode, kafkaAbs } from '../common/index.js';

/** The __consumer_offsets partition that stores `groupId`. */
export function offsetsPartitionFor(groupId: string, partitionCount: number): number {
  return partitionForKey(groupId, partitionCount);
}
