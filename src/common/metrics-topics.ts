// Bytes and records in and out per topic, counted where Produce appends and where Fetch reads:
// once per batch or per partition read, never per record. The hot path adds to plain numbers in a
// map; the Prometheus counters and the console's traffic view read them when asked.
import { Counter, Gauge, type Registry } from 'prom-client';

/** One topic's totals since this process started. */
export interface TopicTotals {
  bytesIn: number;
  recordsIn: number;
  bytesOut: number;
  recordsOut: number;
}

export class TopicTraffic {
  private readonly totals = new Map<string, TopicTotals>();

  private of(topic: string): TopicTotals {
    let totals = this.totals.get(topic);
    if (totals === undefined) {
      totals = { bytesIn: 0, recordsIn: 0, bytesOut: 0, recordsOut: 0 };
      this.totals.set(topic, totals);
    }
    return totals;
  }

  /** A batch a producer sent, appended by this node as leader. */
  produced(topic: string, bytes: number, records: number): void {
    const totals = this.of(topic);
    totals.bytesIn += bytes;
    totals.recordsIn += records;
  }

  /** Batches a consumer read from this node (the leader). */
  fetched(topic: string, bytes: number, records: number): void {
    const totals = this.of(topic);
    totals.bytesOut += bytes;
    totals.recordsOut += records;
  }

  /** A deleted topic's series go with it. */
  forget(topic: string): void {
    this.totals.delete(topic);
  }

  /** Every topic's totals, copied. */
  snapshot(): Record<string, TopicTotals> {
    const out: Record<string, TopicTotals> = {};
    for (const [topic, totals] of this.totals) out[topic] = { ...totals };
    return out;
  }

  /** Registers the counters (and the per-topic log size gauge read from `logBytes`). */
  register(registry: Registry, logBytes: () => ReadonlyMap<string, number>): void {
    const totals = this.totals;
    new Counter({
      name: 'brook_kafka_request_bytes_total',
      help: 'Record batch bytes produced to (request=produce) and fetched from (request=consume) this node, by topic',
      labelNames: ['topic', 'request'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [topic, t] of totals) {
          this.labels(topic, 'produce').inc(t.bytesIn);
          this.labels(topic, 'consume').inc(t.bytesOut);
        }
      },
    });
    const records = (name: string, help: string, read: (t: TopicTotals) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['topic'],
        registers: [registry],
        collect() {
          this.reset();
          for (const [topic, t] of totals) this.labels(topic).inc(read(t));
        },
      });
    records('brook_kafka_records_produced_total', 'Records produced to this node, by topic', (t) => t.recordsIn);
    records('brook_kafka_records_fetched_total', 'Records fetched from this node, by topic', (t) => t.recordsOut);
    new Gauge({
      name: 'brook_storage_log_size_bytes',
      help: "Bytes of this node's partition logs (leaders and followers), by topic",
      labelNames: ['topic'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [topic, bytes] of logBytes()) this.labels(topic).set(bytes);
      },
    });
  }
}
