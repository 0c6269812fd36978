// The metric names follow one scheme (brook_<subsystem>_<what>[_unit][_total], base units, plain
// labels), each is documented in docs/operations.md, and what they count is right: error codes
// in responses, traffic per topic, replication health and consumer lag from what the node reports.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  countResponseErrors,
  ErrorCode,
  eventMetrics,
  type GroupLagHealth,
  healthMetrics,
  type LedPartitionHealth,
  nodeGauges,
  produceStageMetrics,
  requestMetrics,
  TopicTraffic,
} from '../../src/common/index.js';

const SUBSYSTEMS = ['kafka', 'replication', 'storage', 'raft', 'controller', 'cluster', 'group'];
const LABELS = new Set([
  'api',
  'error',
  'kind',
  'topic',
  'request',
  'partition',
  'group',
  'follower',
  'peer',
  'state',
  'stage',
]);

function everyMetric(
  led: LedPartitionHealth[] = [],
  groups: GroupLagHealth[] = [],
): { registry: Registry; traffic: TopicTraffic } {
  const registry = new Registry();
  requestMetrics(registry);
  eventMetrics(registry);
  // Observed once, so its labelled children show in the listing.
  produceStageMetrics(registry).observe('queued', 0.001);
  nodeGauges(registry, {
    raft: () => ({ term: 7, commit: 40, applied: 38, isLeader: true, peers: [{ nodeId: 2, match: 35 }] }),
    cluster: () => ({ topics: 2, partitions: 51, unavailablePartitions: 1, live: 2, fenced: 1 }),
    ledPartitions: () => led.length,
    connections: () => 3,
    tailCacheBytes: () => 4096,
  });
  healthMetrics(registry, { ledPartitions: () => led, groups: () => groups });
  const traffic = new TopicTraffic();
  traffic.register(registry, () => new Map([['orders', 4096]]));
  return { registry, traffic };
}

async function sample(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | null> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const found = values.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
  return found?.value ?? null;
}

describe('metric names', () => {
  it('follow brook_<subsystem>_<what>, with _total on counters and base units, and bounded labels', async () => {
    const { registry } = everyMetric();
    const metrics = await registry.getMetricsAsJSON();
    expect(metrics.length).toBeGreaterThan(25);
    for (const metric of metrics) {
      const subsystem = metric.name.split('_')[1] ?? '';
      expect(metric.name, metric.name).toMatch(/^brook_[a-z]+_[a-z_]+$/);
      expect(SUBSYSTEMS, metric.name).toContain(subsystem);
      const type = String(metric.type);
      if (type === 'counter') expect(metric.name).toMatch(/_total$/);
      else expect(metric.name).not.toMatch(/_total$/);
      if (type === 'histogram') expect(metric.name).toMatch(/_seconds$/);
      expect(metric.name).not.toMatch(/_(ms|millis|milliseconds|kb|mb)(_|$)/);
      for (const value of metric.values) {
        for (const label of Object.keys(value.labels)) {
          if (label === 'le') continue;
          expect(LABELS, `${metric.name}{${label}}`).toContain(label);
        }
      }
    }
  });

  it('are each documented in docs/operations.md', async () => {
    const docs = readFileSync(resolve(import.meta.dirname, '../../docs/operations.md'), 'utf8');
    const { registry } = everyMetric();
    for (const metric of await registry.getMetricsAsJSON()) expect(docs, metric.name).toContain(`\`${metric.name}`);
  });
});

describe('request metrics', () => {
  it('count every error code in a response, by API and error name, but not the records', async () => {
    const counts = new Map<number, number>();
    countResponseErrors(
      {
        errorCode: 0,
        responses: [
          {
            name: 'a',
            partitionResponses: [
              { index: 0, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER },
              { index: 1, errorCode: ErrorCode.NONE, records: Buffer.alloc(64, 6) },
              { index: 2, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER },
            ],
          },
        ],
        topics: [{ topicConfigErrorCode: ErrorCode.INVALID_CONFIG }],
      },
      counts,
    );
    expect([...counts]).toEqual([
      [ErrorCode.NOT_LEADER_OR_FOLLOWER, 2],
      [ErrorCode.INVALID_CONFIG, 1],
    ]);

    const registry = new Registry();
    const metrics = requestMetrics(registry);
    metrics.observe('Produce', 0.002, { responses: [{ partitionResponses: [{ errorCode: 6 }, { errorCode: 6 }] }] });
    metrics.observe('Produce', 0.004, { responses: [{ partitionResponses: [{ errorCode: 0 }] }] });
    expect(await sample(registry, 'brook_kafka_requests_total', { api: 'Produce' })).toBe(2);
    expect(
      await sample(registry, 'brook_kafka_request_errors_total', { api: 'Produce', error: 'NOT_LEADER_OR_FOLLOWER' }),
    ).toBe(2);
    const text = await registry.metrics();
    expect(text).toContain('brook_kafka_request_latency_seconds_count{api="Produce"} 2');
    expect(text).toContain('brook_kafka_request_latency_seconds_bucket{le="0.0025",api="Produce"} 1');
  });
});

describe('topic traffic', () => {
  it('adds bytes and records per topic, and forgets a deleted topic', async () => {
    const { registry, traffic } = everyMetric();
    traffic.produced('orders', 1000, 10);
    traffic.produced('orders', 500, 5);
    traffic.fetched('orders', 1500, 15);
    traffic.produced('logs', 10, 1);
    expect(traffic.snapshot()).toEqual({
      orders: { bytesIn: 1500, recordsIn: 15, bytesOut: 1500, recordsOut: 15 },
      logs: { bytesIn: 10, recordsIn: 1, bytesOut: 0, recordsOut: 0 },
    });
    expect(await sample(registry, 'brook_kafka_request_bytes_total', { topic: 'orders', request: 'produce' })).toBe(
      1500,
    );
    expect(await sample(registry, 'brook_kafka_records_fetched_total', { topic: 'orders' })).toBe(15);
    expect(await sample(registry, 'brook_storage_log_size_bytes', { topic: 'orders' })).toBe(4096);
    traffic.forget('logs');
    expect(await sample(registry, 'brook_kafka_records_produced_total', { topic: 'logs' })).toBeNull();
  });
});

describe('health gauges', () => {
  it('count under-replicated and under-quorum partitions, the worst lag per follower, and lag per group partition', async () => {
    const partition = (p: number, inSync: number, followers: LedPartitionHealth['followers']): LedPartitionHealth => ({
      topic: 'orders',
      partition: p,
      replicas: 3,
      inSync,
      writeQuorum: 2,
      followers,
    });
    const { registry } = everyMetric(
      [
        partition(0, 3, [
          { nodeId: 2, lagRecords: 0, lagMs: 0 },
          { nodeId: 3, lagRecords: 5, lagMs: 200 },
        ]),
        partition(1, 2, [
          { nodeId: 2, lagRecords: 40, lagMs: 1500 },
          { nodeId: 3, lagRecords: 0, lagMs: 0 },
        ]),
        partition(2, 1, [
          { nodeId: 2, lagRecords: 7, lagMs: null },
          { nodeId: 3, lagRecords: 9, lagMs: 100 },
        ]),
      ],
      [
        {
          groupId: 'billing',
          members: 2,
          partitions: [
            { topic: 'orders', partition: 0, committedOffset: 90, lag: 10 },
            { topic: 'orders', partition: 1, committedOffset: 5, lag: null },
          ],
        },
      ],
    );
    expect(await sample(registry, 'brook_kafka_under_replicated_partitions')).toBe(2);
    expect(await sample(registry, 'brook_kafka_under_write_quorum_partitions')).toBe(1);
    expect(await sample(registry, 'brook_replication_follower_lag_records', { follower: '2' })).toBe(40);
    expect(await sample(registry, 'brook_replication_follower_lag_records', { follower: '3' })).toBe(9);
    expect(await sample(registry, 'brook_replication_follower_lag_seconds', { follower: '2' })).toBe(1.5);
    expect(await sample(registry, 'brook_replication_follower_lag_seconds', { follower: '3' })).toBe(0.2);
    expect(await sample(registry, 'brook_group_members', { group: 'billing' })).toBe(2);
    expect(await sample(registry, 'brook_group_lag', { group: 'billing', partition: '0' })).toBe(10);
    // Unknown lag is left out rather than reported as 0.
    expect(await sample(registry, 'brook_group_lag', { group: 'billing', partition: '1' })).toBeNull();
    expect(await sample(registry, 'brook_group_committed_offset', { group: 'billing', partition: '1' })).toBe(5);
    expect(await sample(registry, 'brook_raft_follower_lag_entries', { peer: '2' })).toBe(5);
    expect(await sample(registry, 'brook_raft_apply_lag_entries')).toBe(2);
    expect(await sample(registry, 'brook_cluster_brokers', { state: 'fenced' })).toBe(1);
  });
});
