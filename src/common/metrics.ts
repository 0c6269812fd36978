// Brook's Prometheus metrics: the names and what each counts. The scheme, used by every metric
// here and in the metrics-*.ts files beside it (and listed in docs/operations.md):
//   brook_<subsystem>_<what>[_<unit>][_total]
// with subsystems kafka (the client protocol), replication, storage, raft, controller, cluster
// (this node's view of the metadata) and group; base units (seconds, bytes); `_total` on counters;
// plain label names (api, error, topic, partition, group, follower, peer, stage). It follows the shape of
// Redpanda's public metrics (redpanda_kafka_request_bytes_total{redpanda_topic, redpanda_request},
// redpanda_kafka_under_replicated_replicas, redpanda_raft_leadership_changes,
// redpanda_cluster_unavailable_partitions), whose names are Prometheus-native, rather than the
// JMX exporter's renderings of Kafka's MBeans, whose names depend on each exporter's rules.
// Cardinality stays bounded: per API, per topic, per peer; per partition only for consumer lag
// (groups × partitions they commit, as kafka_exporter and Redpanda do).
//
// Request metrics are recorded on the hot path, so each API's labelled children are created once
// and reused; everything else is read when scraped.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { errorName } from './errors.js';

export interface RequestMetrics {
  /** Records one answered request of `apiName` that took `seconds`, and the errors in its response. */
  observe(apiName: string, seconds: number, response?: unknown): void;
  /** Records a connection closed for a protocol violation. */
  protocolError(): void;
  /** Records a client refused at its TLS handshake or its SASL authentication. */
  authenticationFailure(kind: 'tls' | 'sasl'): void;
}

/** Request latency buckets, 0.5 ms to 10 s. */
export const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** errorCode, and the prefixed ones (topicConfigErrorCode). */
const ERROR_CODE_KEY = /(^e|E)rrorCode$/;

/**
 * Adds every non-zero error code of a response body to `counts`, as Kafka's errorCounts() does per
 * response type: a Produce to three partitions of which two fail counts two. Record bytes are
 * not walked; the rest of a response is a few objects per partition.
 */
export function countResponseErrors(body: unknown, counts: Map<number, number>): void {
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return;
  if (Array.isArray(body)) {
    for (const item of body) if (typeof item === 'object') countResponseErrors(item, counts);
    return;
  }
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'number') {
      if (value !== 0 && ERROR_CODE_KEY.test(key)) counts.set(value, (counts.get(value) ?? 0) + 1);
    } else if (typeof value === 'object') {
      countResponseErrors(value, counts);
    }
  }
}

export function requestMetrics(registry: Registry): RequestMetrics {
  const requests = new Counter({
    name: 'brook_kafka_requests_total',
    help: 'Kafka requests answered, by API',
    labelNames: ['api'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'brook_kafka_request_errors_total',
    help: 'Error codes in Kafka responses (one per partition, topic or group that failed), by API and error',
    labelNames: ['api', 'error'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'brook_kafka_request_latency_seconds',
    help: 'Time from a request being parsed to its response being ready, by API',
    labelNames: ['api'],
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const protocolErrors = new Counter({
    name: 'brook_kafka_protocol_errors_total',
    help: 'Client connections the broker closed (malformed or unsupported request, failed acks=0 produce)',
    registers: [registry],
  });
  const authenticationFailures = new Counter({
    name: 'brook_kafka_authentication_failures_total',
    help: 'Client connections refused at the TLS handshake or the SASL authentication',
    labelNames: ['kind'],
    registers: [registry],
  });
  const children = new Map<
    string,
    { count: ReturnType<typeof requests.labels>; time: ReturnType<typeof latency.labels> }
  >();
  const errorCounts = new Map<number, number>();
  return {
    observe(apiName, seconds, response) {
      let child = children.get(apiName);
      if (!child) {
        child = { count: requests.labels(apiName), time: latency.labels(apiName) };
        children.set(apiName, child);
      }
      child.count.inc();
      child.time.observe(seconds);
      if (response === undefined) return;
      errorCounts.clear();
      countResponseErrors(response, errorCounts);
      for (const [code, count] of errorCounts) errors.labels(apiName, errorName(code)).inc(count);
    },
    protocolError() {
      protocolErrors.inc();
    },
    authenticationFailure(kind) {
      authenticationFailures.labels(kind).inc();
    },
  };
}

export interface NodeGauges {
  raft(): {
    term: number;
    commit: number;
    applied: number;
    isLeader: boolean;
    /** On the Raft leader, each other voter's match index; empty elsewhere. */
    peers: readonly { nodeId: number; match: number }[];
  };
  cluster(): { topics: number; partitions: number; unavailablePartitions: number; live: number; fenced: number };
  ledPartitions(): number;
  connections(): number;
  /** Bytes the partition leaders' in-memory tails hold together (replication/tail-cache-budget.ts). */
  tailCacheBytes(): number;
}

/** Gauges (and counters derived from them) read at scrape time. */
export function nodeGauges(registry: Registry, source: NodeGauges): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('brook_raft_term', 'Current Raft term of the metadata quorum', () => source.raft().term);
  gauge('brook_raft_commit_index', 'Raft commit index', () => source.raft().commit);
  gauge('brook_raft_applied_index', 'Raft index applied to the metadata state', () => source.raft().applied);
  gauge(
    'brook_raft_apply_lag_entries',
    'Committed Raft entries this node has not applied to its metadata state yet',
    () => Math.max(0, source.raft().commit - source.raft().applied),
  );
  const termAtStart = source.raft().term;
  new Counter({
    name: 'brook_raft_elections_total',
    help: 'Raft terms begun since this process started (each term begins with an election)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(Math.max(0, source.raft().term - termAtStart));
    },
  });
  new Gauge({
    name: 'brook_raft_follower_lag_entries',
    help: "On the Raft leader: entries between its commit index and each other voter's match index",
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      const raft = source.raft();
      if (!raft.isLeader) return;
      for (const peer of raft.peers) this.labels(String(peer.nodeId)).set(Math.max(0, raft.commit - peer.match));
    },
  });
  gauge('brook_controller_active', '1 on the controller (sum over the cluster: 1)', () =>
    source.raft().isLeader ? 1 : 0,
  );
  gauge('brook_cluster_topics', 'Topics in the metadata', () => source.cluster().topics);
  gauge('brook_cluster_partitions', 'Partitions of all topics in the metadata', () => source.cluster().partitions);
  gauge(
    'brook_cluster_unavailable_partitions',
    'Partitions whose leader is not a live broker (cluster view)',
    () => source.cluster().unavailablePartitions,
  );
  new Gauge({
    name: 'brook_cluster_brokers',
    help: 'Registered brokers, live (unfenced) or fenced',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const { live, fenced } = source.cluster();
      this.labels('live').set(live);
      this.labels('fenced').set(fenced);
    },
  });
  gauge('brook_kafka_leader_partitions', 'Partitions this node leads', () => source.ledPartitions());
  gauge('brook_kafka_connections', 'Open Kafka client connections', () => source.connections());
  gauge(
    'brook_replication_tail_cache_bytes',
    "Bytes of newest batches this node's partition leaders keep in memory for followers, all partitions together",
    () => source.tailCacheBytes(),
  );
}

/** What the log cleaner reports (storage's LogCleaner.stats and dirty ratios), read at scrape time. */
export interface CleanerMetricsSource {
  stats(): {
    readonly bytesRead: number;
    readonly bytesWritten: number;
    readonly recordsRemoved: number;
    readonly passes: number;
    readonly errors: number;
    readonly lastRunMs: number;
    readonly lastRunDurationMs: number;
    readonly busyMs: number;
  } | null;
  /** Dirty ratio per compacted partition log, keyed by topic and partition. */
  dirtyRatios(): Iterable<{ readonly topic: string; readonly partition: number; readonly ratio: number }>;
}

/** The log cleaner's counters and gauges. */
export function cleanerMetrics(registry: Registry, source: CleanerMetricsSource): void {
  const counter = (
    name: string,
    help: string,
    read: (s: NonNullable<ReturnType<CleanerMetricsSource['stats']>>) => number,
  ) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const stats = source.stats();
        this.reset();
        if (stats !== null) this.inc(read(stats));
      },
    });
  counter('brook_log_cleaner_bytes_read_total', 'Bytes the log cleaner read', (s) => s.bytesRead);
  counter(
    'brook_log_cleaner_bytes_written_total',
    'Bytes the log cleaner wrote into cleaned segments',
    (s) => s.bytesWritten,
  );
  counter('brook_log_cleaner_records_removed_total', 'Records the log cleaner removed', (s) => s.recordsRemoved);
  counter('brook_log_cleaner_passes_total', 'Cleaning passes run (one log each)', (s) => s.passes);
  counter('brook_log_cleaner_errors_total', 'Cleaning passes that failed', (s) => s.errors);
  counter('brook_log_cleaner_busy_seconds_total', 'Time the log cleaner spent in passes', (s) => s.busyMs / 1000);
  new Gauge({
    name: 'brook_log_cleaner_last_run_timestamp_seconds',
    help: 'When the last cleaning pass ended (0 before the first)',
    registers: [registry],
    collect() {
      this.set((source.stats()?.lastRunMs ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'brook_log_cleaner_last_run_duration_seconds',
    help: 'How long the last cleaning pass took',
    registers: [registry],
    collect() {
      this.set((source.stats()?.lastRunDurationMs ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'brook_log_cleaner_dirty_ratio',
    help: "Dirty bytes over cleanable bytes of each compacted partition log, at the cleaner's last look",
    labelNames: ['topic', 'partition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { topic, partition, ratio } of source.dirtyRatios())
        this.set({ topic, partition: String(partition) }, ratio);
    },
  });
}
