// The deployment extras in cluster/ and the compose file: the Grafana dashboard charts only
// metrics Brook exports, the Prometheus configuration is valid (promtool), and the compose file is
// valid for docker-compose with its monitoring profile.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { eventMetrics, healthMetrics, nodeGauges, requestMetrics, TopicTraffic } from '../../src/common/index.js';
import { requireTool, toolAvailable } from '../helpers/tools.js';

const root = resolve(import.meta.dirname, '../..');

/** Every series name Brook exports, with the suffixes Prometheus gives histograms. */
async function exportedNames(): Promise<Set<string>> {
  const registry = new Registry();
  requestMetrics(registry);
  eventMetrics(registry);
  nodeGauges(registry, {
    raft: () => ({ term: 1, commit: 1, applied: 1, isLeader: true, peers: [] }),
    cluster: () => ({ topics: 0, partitions: 0, unavailablePartitions: 0, live: 1, fenced: 0 }),
    ledPartitions: () => 0,
    connections: () => 0,
    tailCacheBytes: () => 0,
  });
  healthMetrics(registry, { ledPartitions: () => [], groups: () => [] });
  new TopicTraffic().register(registry, () => new Map());
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(metric.name + s);
  }
  return names;
}

interface Panel {
  readonly title: string;
  readonly type: string;
  readonly targets?: readonly { readonly expr: string }[];
}

describe('cluster/grafana-dashboard.json', () => {
  it('charts only metrics Brook exports, and each of the issue’s concerns', async () => {
    const dashboard = JSON.parse(readFileSync(resolve(root, 'cluster/grafana-dashboard.json'), 'utf8')) as {
      panels: Panel[];
      templating: { list: { name: string }[] };
    };
    const names = await exportedNames();
    const charted = new Set<string>();
    for (const panel of dashboard.panels) {
      if (panel.type === 'row') continue;
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        for (const name of target.expr.match(/brook_[a-z_]+/g) ?? []) {
          expect(names, `${panel.title}: ${name}`).toContain(name);
          charted.add(name);
        }
        expect(target.expr, panel.title).toContain('job=~"$job"');
      }
    }
    for (const wanted of [
      'brook_kafka_request_bytes_total',
      'brook_kafka_records_produced_total',
      'brook_kafka_request_errors_total',
      'brook_kafka_request_latency_seconds_bucket',
      'brook_kafka_under_replicated_partitions',
      'brook_kafka_under_write_quorum_partitions',
      'brook_replication_follower_lag_seconds',
      'brook_storage_fsync_latency_seconds_bucket',
      'brook_raft_elections_total',
      'brook_raft_term',
      'brook_group_rebalances_total',
      'brook_group_lag',
      'brook_kafka_connections',
    ]) {
      expect(charted, wanted).toContain(wanted);
    }
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'job']);
  });
});

describe('cluster/prometheus.yml', () => {
  const available = toolAvailable('promtool', ['--version']);
  it.runIf(requireTool('promtool (Debian package prometheus)', available))('passes promtool check config', () => {
    const result = spawnSync('promtool', ['check', 'config', resolve(root, 'cluster/prometheus.yml')], {
      encoding: 'utf8',
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});

describe('docker-compose.yml', () => {
  const available = toolAvailable('docker-compose', ['version']);
  it.runIf(requireTool('docker-compose', available))(
    'is valid, with dual listeners per node and Prometheus only in the monitoring profile',
    () => {
      const config = (args: string[]) =>
        spawnSync('docker-compose', ['-f', resolve(root, 'docker-compose.yml'), ...args], { encoding: 'utf8' });
      const quiet = config(['config', '-q']);
      expect(quiet.status, quiet.stderr).toBe(0);
      const resolved = config(['config']);
      expect(resolved.status, resolved.stderr).toBe(0);
      for (const n of [1, 2, 3]) {
        expect(resolved.stdout).toContain(
          `BROOK_ADVERTISED_LISTENERS: INTERNAL://brook-${n}:9092,EXTERNAL://127.0.0.1:${n}9092`,
        );
      }
      expect(resolved.stdout).not.toContain('/etc/hosts');
      const monitoring = config(['--profile', 'monitoring', 'config', '-q']);
      expect(monitoring.status, monitoring.stderr).toBe(0);
      expect(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8')).toMatch(
        /prometheus:\n(.*\n)*?\s+profiles: \[monitoring\]/,
      );
    },
  );
});
