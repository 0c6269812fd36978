// Prometheus (Debian's package) scrapes a real three-node cluster with cluster/prometheus.yml (its
// targets pointed at the test's nodes), and Brook's metrics come back through Prometheus's query
// API: records produced per topic summed over the nodes, bytes in and out, a group's lag.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type NodeProcess, startCluster, stopAll, tempDir, waitFor } from '../helpers/node-process.js';
import { requireTool, toolAvailable } from '../helpers/tools.js';

const available = requireTool('prometheus (Debian package)', toolAvailable('prometheus', ['--version']));
const TOPIC = 'prometheus-orders';
const RECORDS = 300;

interface QueryResult {
  readonly status: string;
  readonly data: { readonly result: readonly { metric: Record<string, string>; value: [number, string] }[] };
}

describe.runIf(available)('Prometheus against a real cluster', () => {
  let nodes: NodeProcess[] = [];
  let prometheus: ChildProcess | null = null;
  let prometheusOutput = '';
  let prometheusPort = 0;

  const query = async (promql: string): Promise<QueryResult['data']['result']> => {
    const url = `http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(promql)}`;
    const body = (await (await fetch(url)).json()) as QueryResult;
    expect(body.status).toBe('success');
    return body.data.result;
  };
  const scalar = async (promql: string): Promise<number | null> => {
    const result = await query(promql);
    return result.length === 0 ? null : Number(result[0]!.value[1]);
  };

  beforeAll(async () => {
    nodes = await startCluster(3);
    // The shipped configuration, scraping every second and pointed at this test's nodes.
    const shipped = readFileSync(resolve(import.meta.dirname, '../../cluster/prometheus.yml'), 'utf8');
    const targets = nodes.map((n) => `'127.0.0.1:${n.httpPort}'`).join(', ');
    const config = shipped
      .replace(/scrape_interval: \d+s/, 'scrape_interval: 1s')
      .replace(/targets: \[.*\]/, `targets: [${targets}]`);
    expect(config).toContain(`127.0.0.1:${nodes[2]!.httpPort}`);
    const dir = tempDir('brook-prometheus-');
    writeFileSync(join(dir, 'prometheus.yml'), config);
    prometheusPort = await freePort();
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout?.on('data', (chunk: Buffer) => (prometheusOutput += chunk.toString()));
    prometheus.stderr?.on('data', (chunk: Buffer) => (prometheusOutput += chunk.toString()));
    await waitFor(
      'Prometheus ready',
      async () => (await fetch(`http://127.0.0.1:${prometheusPort}/-/ready`)).ok,
      30_000,
      200,
    );
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((done) => prometheus!.once('exit', done));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await stopAll();
  });

  it('reads records, bytes and a group’s lag from the cluster through the query API', async () => {
    const kafka = new Kafka({
      clientId: 'prometheus-test',
      brokers: nodes.map((n) => n.bootstrap),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < RECORDS / 100; i++) {
      await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: Array.from({ length: 100 }, (_, j) => ({ key: String(j % 7), value: `order-${i}-${j}` })),
      });
    }
    await producer.disconnect();
    // A group that reads a third and commits: its lag is what is left.
    const consumer = kafka.consumer({ groupId: 'prometheus-billing' });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => void seen++ });
    await waitFor('the group read everything', async () => seen >= RECORDS, 30_000);
    await consumer.disconnect();

    // Each leader counts what it appended: the sum over the nodes is what was produced.
    const produced = await waitFor(
      'records produced through Prometheus',
      async () => {
        const value = await scalar(`sum(brook_kafka_records_produced_total{job="brook",topic="${TOPIC}"})`);
        return value === RECORDS ? value : null;
      },
      30_000,
      500,
    );
    expect(produced).toBe(RECORDS);
    const fetched = await scalar(`sum(brook_kafka_records_fetched_total{topic="${TOPIC}"})`);
    expect(fetched).toBeGreaterThanOrEqual(RECORDS);
    const bytesIn = await scalar(`sum(brook_kafka_request_bytes_total{topic="${TOPIC}",request="produce"})`);
    expect(bytesIn).toBeGreaterThan(RECORDS * 'order-0-0'.length);
    // Three targets up, each named by the relabelling the shipped configuration does.
    const up = await query('up{job="brook"}');
    expect(up.map((r) => r.value[1])).toEqual(['1', '1', '1']);
    expect(up.map((r) => r.metric.node).sort()).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect(await scalar('sum(brook_controller_active)')).toBe(1);
    // The group's coordinator reports its committed offsets and its lag (0: it read everything).
    const lag = await waitFor(
      'the group’s lag',
      async () => {
        const result = await query('brook_group_lag{group="prometheus-billing"}');
        return result.length === 3 ? result : null;
      },
      30_000,
      500,
    );
    expect(lag.map((r) => r.value[1])).toEqual(['0', '0', '0']);
    const committed = await scalar('sum(brook_group_committed_offset{group="prometheus-billing"})');
    expect(committed, prometheusOutput.slice(-2000)).toBe(RECORDS);
  });
});
