// Automatic preferred-leader balancing (Kafka's auto.leader.rebalance.enable): placement spreads
// each topic's first replicas, and so its leaders, over the brokers, but a failover moves the
// leaderships of a dead broker elsewhere and nothing moves them back when it returns. Every
// leader.imbalance.check.interval.seconds the controller counts, per live broker, the partitions
// whose preferred (first) replica it is but which another broker leads; when that share passes
// leader.imbalance.per.broker.percentage it runs a preferred election on each of them, a few at a
// time. A preferred election hands over only when the preferred replica holds every acknowledged
// write (PartitionElections.electLeader), so a lagging replica is simply tried again next time.
import type { Clock, Logger, NodeConfig, ScheduledTask } from '../common/index.js';
import type { MetadataLog } from '../metadata/index.js';
import type { PartitionElections } from './partition-elections.js';

const CONCURRENT_PREFERRED_ELECTIONS = 4;

type BalancerSettings = Pick<
  NodeConfig,
  'autoLeaderRebalanceEnable' | 'leaderImbalanceCheckIntervalSeconds' | 'leaderImbalancePerBrokerPercentage'
>;

interface Misled {
  readonly topicId: string;
  readonly partition: number;
}

/** Per live broker, the partitions it should lead but does not, when their share passes `percentage`. */
export function imbalancedPartitions(metadata: MetadataLog, percentage: number): Misled[] {
  const state = metadata.state;
  const live = new Set(state.brokers.filter((b) => !b.fenced).map((b) => b.nodeId));
  const preferredCount = new Map<number, number>();
  const misled = new Map<number, Misled[]>();
  for (const topic of state.topics) {
    for (const p of topic.partitions) {
      const preferred = p.replicas[0]!;
      if (!live.has(preferred)) continue;
      preferredCount.set(preferred, (preferredCount.get(preferred) ?? 0) + 1);
      // A partition whose leader is down is the failover's, not the balancer's.
      if (p.leader === preferred || !live.has(p.leader)) continue;
      const list = misled.get(preferred) ?? [];
      list.push({ topicId: topic.topicId, partition: p.partition });
      misled.set(preferred, list);
    }
  }
  const out: Misled[] = [];
  for (const [broker, list] of misled) {
    if ((100 * list.length) / preferredCount.get(broker)! > percentage) out.push(...list);
  }
  return out;
}

export class LeaderBalancer {
  private readonly timer: ScheduledTask | null;
  private running = false;

  constructor(
    private readonly settings: BalancerSettings,
    private readonly metadata: MetadataLog,
    private readonly elections: PartitionElections,
    clock: Clock,
    private readonly log: Logger,
  ) {
    this.timer = settings.autoLeaderRebalanceEnable
      ? clock.every(settings.leaderImbalanceCheckIntervalSeconds * 1000, () => void this.check())
      : null;
  }

  /** One balancing round (on the controller only; a round still running is not started twice). */
  async check(): Promise<void> {
    if (this.running || !this.metadata.isController) return;
    this.running = true;
    try {
      const wanted = imbalancedPartitions(this.metadata, this.settings.leaderImbalancePerBrokerPercentage);
      if (wanted.length === 0) return;
      let moved = 0;
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let i = next++; i < wanted.length; i = next++) {
          const { topicId, partition } = wanted[i]!;
          const outcome = await this.elections.electLeader(topicId, partition, 'preferred').catch((err: unknown) => {
            this.log.warn({ err: (err as Error).message, topicId, partition }, 'preferred election failed');
            return null;
          });
          if (outcome?.errorCode === 0) moved++;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENT_PREFERRED_ELECTIONS }, worker));
      this.log.info({ tried: wanted.length, moved }, 'leader balance: leaderships moved back to preferred replicas');
    } finally {
      this.running = false;
    }
  }

  close(): void {
    this.timer?.cancel();
  }
}
