// Replication health, consumer lag and the events worth a counter (fsyncs, rebalances, Raft
// leader changes). Gauges are computed when scraped from what the source reports; nothing here
// runs per record. Names follow the scheme in metrics.ts.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** A partition this node leads, as its leader sees it. */
export interface LedPartitionHealth {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: number;
  readonly inSync: number;
  readonly writeQuorum: number;
  /** Each follower's distance from the leader's log end; lagMs null before it first caught up. */
  readonly followers: readonly {
    readonly nodeId: number;
    readonly lagRecords: number;
    readonly lagMs: number | null;
  }[];
}

/** A group this node coordinates, with the lag of each partition it has committed. */
export interface GroupLagHealth {
  readonly groupId: string;
  readonly members: number;
  readonly partitions: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly committedOffset: number;
    /** Null where this node holds no replica of the partition and cannot tell its end. */
    readonly lag: number | null;
  }[];
}

export interface HealthSource {
  ledPartitions(): Iterable<LedPartitionHealth>;
  groups(): Iterable<GroupLagHealth>;
}

export function healthMetrics(registry: Registry, source: HealthSource): void {
  const led = (name: string, help: string, count: (p: LedPartitionHealth) => boolean) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        let n = 0;
        for (const p of source.ledPartitions()) if (count(p)) n++;
        this.set(n);
      },
    });
  led(
    'brook_kafka_under_replicated_partitions',
    'Partitions this node leads with fewer in-sync replicas than replicas',
    (p) => p.inSync < p.replicas,
  );
  led(
    'brook_kafka_under_write_quorum_partitions',
    'Partitions this node leads with fewer in-sync replicas than write.quorum (acks=all produces wait or fail)',
    (p) => p.inSync < p.writeQuorum,
  );
  const followerLag = (
    name: string,
    help: string,
    read: (f: LedPartitionHealth['followers'][number]) => number | null,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['follower'],
      registers: [registry],
      collect() {
        this.reset();
        const max = new Map<number, number>();
        for (const p of source.ledPartitions()) {
          for (const f of p.followers) {
            const value = read(f);
            if (value !== null) max.set(f.nodeId, Math.max(max.get(f.nodeId) ?? 0, value));
          }
        }
        for (const [nodeId, value] of max) this.labels(String(nodeId)).set(value);
      },
    });
  followerLag(
    'brook_replication_follower_lag_records',
    "The largest distance, in offsets, of a follower behind this leader's log end, over the partitions this node leads",
    (f) => f.lagRecords,
  );
  followerLag(
    'brook_replication_follower_lag_seconds',
    'The longest time a follower has not been at the log end of a partition this node leads (0 when caught up)',
    (f) => (f.lagMs === null ? null : f.lagMs / 1000),
  );
  new Gauge({
    name: 'brook_group_members',
    help: 'Members of each consumer group this node coordinates',
    labelNames: ['group'],
    registers: [registry],
    collect() {
      this.reset();
      for (const g of source.groups()) this.labels(g.groupId).set(g.members);
    },
  });
  const perPartition = (name: string, help: string, read: (p: GroupLagHealth['partitions'][number]) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const g of source.groups()) {
          for (const p of g.partitions) {
            const value = read(p);
            if (value !== null) this.labels(g.groupId, p.topic, String(p.partition)).set(value);
          }
        }
      },
    });
  perPartition(
    'brook_group_committed_offset',
    'Committed offset of each group and partition, on the group coordinator',
    (p) => p.committedOffset,
  );
  perPartition(
    'brook_group_lag',
    'Records between the high watermark and the committed offset, on the group coordinator',
    (p) => p.lag,
  );
}

/** Events counted as they happen; each is rare or once per batch of work. */
export interface EventMetrics {
  /** One fdatasync of a log file took `seconds` (each group-commit round makes one per file). */
  fsync(this: void, seconds: number): void;
  /** A group this node coordinates began a rebalance. */
  rebalance(this: void, groupId: string): void;
  /** The Raft leader (the controller) changed, as this node saw it. */
  raftLeaderChange(this: void): void;
}

/** fsync buckets, 50 µs to 5 s: a healthy SSD sits at a fraction of a millisecond. */
export const FSYNC_BUCKETS_SECONDS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5,
];

export function eventMetrics(registry: Registry): EventMetrics {
  const fsync = new Histogram({
    name: 'brook_storage_fsync_latency_seconds',
    help: 'Time of one fdatasync of a partition log file',
    buckets: FSYNC_BUCKETS_SECONDS,
    registers: [registry],
  });
  const rebalances = new Counter({
    name: 'brook_group_rebalances_total',
    help: 'Rebalances begun by the consumer groups this node coordinates',
    labelNames: ['group'],
    registers: [registry],
  });
  const leaderChanges = new Counter({
    name: 'brook_raft_leader_changes_total',
    help: 'Changes of the Raft leader (the controller) this node saw',
    registers: [registry],
  });
  return {
    fsync: (seconds) => fsync.observe(seconds),
    rebalance: (groupId) => rebalances.labels(groupId).inc(),
    raftLeaderChange: () => leaderChanges.inc(),
  };
}
