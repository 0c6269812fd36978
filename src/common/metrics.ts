// Brook's Prometheus metrics. Request metrics are recorded on the hot path, so each API's
// labelled children are created once and reused; everything else is read when scraped.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RequestMetrics {
  /** Records one answered request of `apiName` that took `seconds`. */
  observe(apiName: string, seconds: number): void;
  /** Records a connection closed for a protocol violation. */
  protocolError(): void;
  /** Records a client refused at its TLS handshake or its SASL authentication. */
  authenticationFailure(kind: 'tls' | 'sasl'): void;
}

export function requestMetrics(registry: Registry): RequestMetrics {
  const requests = new Counter({
    name: 'brook_kafka_requests_total',
    help: 'Kafka requests answered, by API',
    labelNames: ['api'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'brook_kafka_request_seconds',
    help: 'Time from a request being parsed to its response being ready, by API',
    labelNames: ['api'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
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
  return {
    observe(apiName, seconds) {
      let child = children.get(apiName);
      if (!child) {
        child = { count: requests.labels(apiName), time: latency.labels(apiName) };
        children.set(apiName, child);
      }
      child.count.inc();
      child.time.observe(seconds);
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
  raft(): { term: number; commit: number; applied: number; isLeader: boolean };
  partitions(): { led: number; offline: number };
  brokers(): { live: number; fenced: number };
  connections(): number;
}

/** Gauges read at scrape time. */
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
  gauge('brook_controller', '1 when this node is the controller', () => (source.raft().isLeader ? 1 : 0));
  gauge('brook_partitions_led', 'Partitions this node leads', () => source.partitions().led);
  gauge(
    'brook_partitions_offline',
    'Partitions without a live leader (cluster view)',
    () => source.partitions().offline,
  );
  gauge('brook_brokers_live', 'Registered unfenced brokers', () => source.brokers().live);
  gauge('brook_brokers_fenced', 'Registered fenced brokers', () => source.brokers().fenced);
  gauge('brook_kafka_connections', 'Open Kafka client connections', () => source.connections());
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
