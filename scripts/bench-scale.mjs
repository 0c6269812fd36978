#!/usr/bin/env node
// `npm run bench:scale`: a cluster of real nodes on this machine (127.0.0.1, free ports, a
// temporary data directory each), one topic of many partitions, and what it costs: how long the
// nodes take to start, how long from CreateTopics until every partition has a leader (as Metadata
// from every node shows it), and each node's resident memory, heap and open files once it has
// settled, and that it serves: one acks=all record to every partition, each found at its high
// watermark. Prints one JSON object. Options: --nodes N (5), --partitions P (2000),
// --replication-factor R (3), --settle-ms MS (5000, waited before reading memory).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { requireIntegers } from './bench-flags.mjs';
// Ports below the kernel's range for outgoing connections (src/common/free-port.ts).
import { freePort } from '../dist/common/free-port.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5' },
    partitions: { type: 'string', default: '2000' },
    'replication-factor': { type: 'string', default: '3' },
    'settle-ms': { type: 'string', default: '5000' },
  },
});
const nodeCount = Number(values.nodes);
const partitions = Number(values.partitions);
const factor = Number(values['replication-factor']);
const settleMs = Number(values['settle-ms']);
requireIntegers('bench-scale', [
  ['--nodes', nodeCount, 1],
  ['--partitions', partitions, 1],
  ['--replication-factor', factor, 1],
  ['--settle-ms', settleMs, 0],
]);
if (factor > nodeCount) {
  console.error('bench-scale: --replication-factor must be at most --nodes');
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const root = mkdtempSync(join(tmpdir(), 'brook-bench-scale-'));
const ports = [];
for (let i = 0; i < nodeCount; i++)
  ports.push({ kafka: await freePort(), grpc: await freePort(), http: await freePort() });
const clusterNodes = ports.map((p, i) => `${i + 1}@127.0.0.1:${p.grpc}`).join(',');

const children = [];
function stopAll() {
  for (const child of children) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  stopAll();
  process.exit(130);
});

const startedAt = Date.now();
const ready = ports.map((p, i) => {
  const child = spawn(
    process.execPath,
    [
      resolve('dist/node.js'),
      '--node-id',
      String(i + 1),
      '--cluster-nodes',
      clusterNodes,
      '--data-dir',
      join(root, `node-${i + 1}`),
      '--listen-host',
      '127.0.0.1',
      '--kafka-port',
      String(p.kafka),
      '--grpc-port',
      String(p.grpc),
      '--http-port',
      String(p.http),
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  return new Promise((resolveReady, reject) => {
    const deadline = setTimeout(() => reject(new Error(`node ${i + 1} not ready in 60 s`)), 60_000);
    const poll = async () => {
      try {
        const response = await fetch(`http://127.0.0.1:${p.http}/readyz`);
        if (response.ok) {
          clearTimeout(deadline);
          return resolveReady(Date.now() - startedAt);
        }
      } catch {
        // not listening yet
      }
      setTimeout(poll, 100);
    };
    child.once('exit', (code) => reject(new Error(`node ${i + 1} exited with ${code}`)));
    void poll();
  });
});

function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return {
    rssMB: Math.round(kib('VmRSS') / 1024),
    peakRssMB: Math.round(kib('VmHWM') / 1024),
    openFiles: readdirSync(`/proc/${pid}/fd`).length,
  };
}

try {
  const readyMs = await Promise.all(ready);
  const kafka = new Kafka({
    clientId: 'bench-scale',
    brokers: ports.map((p) => `127.0.0.1:${p.kafka}`),
    logLevel: logLevel.NOTHING,
    requestTimeout: 120_000,
    retry: { retries: 10 },
  });
  const admins = ports.map((p) =>
    new Kafka({
      clientId: 'bench-scale',
      brokers: [`127.0.0.1:${p.kafka}`],
      logLevel: logLevel.NOTHING,
      requestTimeout: 60_000,
    }).admin(),
  );
  const admin = kafka.admin();
  await admin.connect();
  await Promise.all(admins.map((a) => a.connect()));
  const createdAt = Date.now();
  await admin.createTopics({
    topics: [{ topic: 'scale', numPartitions: partitions, replicationFactor: factor }],
    timeout: 120_000,
  });
  const createMs = Date.now() - createdAt;
  // Every node names a live leader for every partition.
  let leadersMs = null;
  while (Date.now() - createdAt < 300_000) {
    const views = await Promise.all(admins.map((a) => a.fetchTopicMetadata({ topics: ['scale'] }).catch(() => null)));
    const allLed = views.every(
      (v) =>
        v !== null &&
        v.topics[0].partitions.length === partitions &&
        v.topics[0].partitions.every((p) => p.leader >= 0),
    );
    if (allLed) {
      leadersMs = Date.now() - createdAt;
      break;
    }
    await sleep(250);
  }
  // It serves: one acks=all record to every partition, then each read back from the start.
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const servedAt = Date.now();
  const sent = await producer.send({
    topic: 'scale',
    acks: -1,
    messages: Array.from({ length: partitions }, (_, partition) => ({ partition, value: `record-${partition}` })),
  });
  const produceAllMs = Date.now() - servedAt;
  await producer.disconnect();
  const acknowledged = sent.filter((r) => r.errorCode === 0).length;
  // ListOffsets is retried while a partition is between leaders (a busy machine may fail one over).
  let offsets = [];
  for (let attempt = 0; ; attempt++) {
    try {
      offsets = await admin.fetchTopicOffsets('scale');
      break;
    } catch (err) {
      if (attempt >= 20) throw err;
      await sleep(500);
    }
  }
  const readable = offsets.filter((o) => Number(o.high) === 1).length;
  await sleep(settleMs);
  const perNode = children.map((c, i) => ({ node: i + 1, readyMs: readyMs[i], ...memoryOf(c.pid) }));
  await admin.disconnect();
  await Promise.all(admins.map((a) => a.disconnect()));
  console.log(
    JSON.stringify(
      {
        machine: `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
        nodes: nodeCount,
        partitions,
        replicationFactor: factor,
        replicasPerNode: Math.round((partitions * factor) / nodeCount),
        startMs: Math.max(...readyMs),
        createTopicMs: createMs,
        allLeadersMs: leadersMs,
        served: { acknowledged, partitionsWithTheRecord: readable, produceAllMs },
        perNode,
      },
      null,
      2,
    ),
  );
} finally {
  stopAll();
}
