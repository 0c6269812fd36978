// Transactions with librdkafka (Debian's confluent-kafka 1.7 on librdkafka 2.0.2; kcat has no
// transactions) against a real node process: committed transactions seen whole by read_committed
// consumers and aborted ones never; a second producer with the same transactional.id fences the
// first; consume-transform-produce with send_offsets_to_transaction is exactly-once across an
// aborted transaction and a restart; a transaction left open past transaction.timeout.ms is
// aborted by the broker. test/fixtures/confluent-transactions.py is the client. Skipped with a
// printed reason when /usr/bin/python3 has no confluent_kafka (apt-get install
// python3-confluent-kafka; .ci/run installs it).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { requireTool } from '../helpers/tools.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, '../fixtures/confluent-transactions.py');
const available = spawnSync(PYTHON, ['-c', 'import confluent_kafka'], { stdio: 'ignore' }).status === 0;
const run = requireTool('python3-confluent-kafka', available);

let node: NodeProcess;

beforeAll(async () => {
  if (!run) return;
  node = await startSingleNode({
    extraArgs: ['--transaction-abort-timed-out-transaction-cleanup-interval-ms', '500'],
  });
}, 60_000);

afterAll(async () => {
  await stopAll();
});

function workload<T>(...args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`confluent-transactions.py ${args[0]} exited ${code}: ${err.slice(-3000)}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as T);
    });
  });
}

async function createTopic(name: string, partitions: number): Promise<void> {
  const client = await RawClient.connect(node.kafkaPort);
  try {
    const response = await client.request<{ topics: { errorCode: number }[] }>(19, 5, {
      topics: [{ name, numPartitions: partitions, replicationFactor: -1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(response.topics[0]!.errorCode).toBe(0);
  } finally {
    client.close();
  }
}

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe.runIf(run)('librdkafka transactions', () => {
  it('shows committed transactions whole to read_committed consumers and aborted ones never', async () => {
    await createTopic('rdk-visibility', 3);
    const result = await workload<{ committed: string[]; uncommitted: string[] }>(
      'visibility',
      node.bootstrap,
      'rdk-visibility',
    );
    expect(result.committed.sort()).toEqual([...values('a', 30), ...values('b', 10)].sort());
    expect(result.uncommitted.filter((v) => v.startsWith('x-')).sort()).toEqual(values('x', 20).sort());
  }, 90_000);

  it('fences the first producer when a second one with the same transactional.id initializes', async () => {
    await createTopic('rdk-fencing', 1);
    const result = await workload<{ fenced: { name: string; fatal: boolean } | null; committed: string[] }>(
      'fencing',
      node.bootstrap,
      'rdk-fencing',
    );
    expect(result.fenced).toMatchObject({ fatal: true });
    expect(result.fenced!.name).toMatch(/FENCED|EPOCH/);
    expect(result.committed).toEqual(values('live', 5));
  }, 90_000);

  it('is exactly-once from input to output across an aborted transaction and a restart', async () => {
    await createTopic('rdk-in', 2);
    await createTopic('rdk-out', 2);
    const result = await workload<{ aborted: boolean; output: string[]; offsets: number[] }>(
      'ctp',
      node.bootstrap,
      'rdk-in',
      'rdk-out',
      'rdk-group',
    );
    expect(result.aborted).toBe(true);
    expect(result.output.length).toBe(200);
    expect(result.output.sort()).toEqual(
      values('in', 200)
        .map((v) => `out(${v})`)
        .sort(),
    );
    expect(result.offsets).toEqual([100, 100]);
  }, 120_000);

  it('aborts a transaction left open past transaction.timeout.ms', async () => {
    await createTopic('rdk-timeout', 1);
    const result = await workload<{ outcome: unknown; committed: string[] }>('timeout', node.bootstrap, 'rdk-timeout');
    expect(result.outcome).not.toBe('committed');
    expect(result.committed).toEqual([]);
  }, 90_000);
});
