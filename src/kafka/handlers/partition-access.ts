// Resolving a partition for a data request: the leader's replica, or the Kafka error clients act
// on, plus the leader-epoch fencing of KIP-320 (currentLeaderEpoch -1 means "do not check").
import { ErrorCode, KafkaError } from '../../common/index.js';
import type { Replica } from '../../replication/index.js';
import type { BrokerContext } from '../broker-context.js';

export function checkLeaderEpoch(partition: Replica, currentLeaderEpoch: number): void {
  if (currentLeaderEpoch < 0) return;
  if (currentLeaderEpoch < partition.leaderEpoch) {
    throw new KafkaError(
      ErrorCode.FENCED_LEADER_EPOCH,
      `leader epoch ${currentLeaderEpoch} is older than ${partition.leaderEpoch}`,
    );
  }
  if (currentLeaderEpoch > partition.leaderEpoch) {
    throw new KafkaError(
      ErrorCode.UNKNOWN_LEADER_EPOCH,
      `leader epoch ${currentLeaderEpoch} is newer than ${partition.leaderEpoch}`,
    );
  }
}

export function leaderFor(ctx: BrokerContext, topic: string, partition: number, currentLeaderEpoch = -1): Replica {
  const replica = ctx.replicas.leaderPartition(topic, partition);
  checkLeaderEpoch(replica, currentLeaderEpoch);
  return replica;
}
