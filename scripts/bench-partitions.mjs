#!/usr/bin/env node
// `npm run bench:partitions`: what many partitions cost one node (issue 15, item 4). For each round
// it starts fresh nodes from dist/ (127.0.0.1, free ports, a temporary data directory), and
//   1. baseline: creates a topic of --baseline-partitions (4) and produces --records records of
//      --size bytes to it with kcat (acks=all, the same client settings as `npm run bench`);
//   2. many: on new nodes, creates a topic of --partitions (1000), reads each node's resident
//      memory (VmRSS from /proc/<pid>/status), peak (VmHWM), V8 heap and open files once the
//      partitions have leaders, produces the same records to it, and reads the memory again.
// Records carry no key and kcat is told not to stick to a partition (sticky.partitioning.linger.ms=0),
// so every produce request spreads its records over all partitions of the topic: the many-partition
// case then pays per partition on every request (a batch, an append and an fsync each), which is
// what the issue asks about. The ratio many/baseline MB/s is printed beside both figures; rounds
// alternate the two phases, and `uptime` is read beside each, with the nodes' CPU seconds per GB
// produced (utime + stime from /proc/<pid>/stat), which a busy machine disturbs less than MB/s. Prints one JSON object on stdout.
// Options: --partitions P (1000) --baseline-partitions B (4) --records N (300000) --size BYTES (1024)
//          --nodes N (1; RF = min(N, 3)) --rounds R (1) --settle-ms MS (3000, waited before reading memory)
//          --node-js PATH (dist/node.js: another build to compare) --node-args="ARGS" (e.g. --node-args="--cpu-prof")
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { requireIntegers } from './bench-flags.mjs';
// Ports below the kernel's range for outgoing connections (src/common/free-port.ts).
import { freePort } from '../dist/common/free-port.js';

const { values } = parseArgs({
  options: {
    partitions: { type: 'string', default: '1000' },
    'baseline-partitions': { type: 'string', default: '4' },
    records: { type: 'string', default: '300000' },
    size: { type: 'string', default: '1024' },
    nodes: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '1' },
    'settle-ms': { type: 'string', default: '3000' },
    'node-js': { type: 'string', default: 'dist/node.js' },
    'node-args': { type: 'string', default: '' },
  },
});
const partitions = Number(values.partitions);
const baselinePartitions = Number(values['baseline-partitions']);
const records = Number(values.records);
const size = Number(values.size);
const nodeCount = Number(values.nodes);
const rounds = Number(values.rounds);
const settleMs = Number(values['settle-ms']);
requireIntegers('bench-partitions', [
  ['--partitions', partitions, 1],
  ['--baseline-partitions', baselinePartitions, 1],
  ['--records', records, 1],
  ['--size', size, 16],
  ['--nodes', nodeCount, 1],
  ['--rounds', rounds, 1],
  ['--settle-ms', settleMs, 0],
]);
if (spawnSync('kcat', ['-V'], { stdio: 'ignore' }).error) {
  console.error('bench-partitions: kcat is needed (apt-get install kcat)');
  process.exit(2);
}
const nodeJs = resolve(values['node-js']);
const nodeArgs = values['node-args'].split(' ').filter((a) => a !== '');
const factor = Math.min(nodeCount, 3);

const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
function cpuSecondsOf(child) {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  // After the command name (in parentheses, maybe with spaces): utime is the 12th field, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const uptime = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`;
const root = mkdtempSync(join(tmpdir(), 'brook-bench-partitions-'));
const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

function run(cmd, args) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('error', rej);
    child.on('close', (code) => (code === 0 ? res() : rej(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/** Resident and peak memory, open files (from /proc) and the V8 heap (from /metrics) of one node. */
async function memoryOf(child, httpPort) {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const gauge = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  const mb = (bytes) => Math.round(bytes / 2 ** 20);
  return {
    rssMB: Math.round(kib('VmRSS') / 1024),
    peakRssMB: Math.round(kib('VmHWM') / 1024),
    heapUsedMB: mb(gauge('nodejs_heap_size_used_bytes')),
    externalMB: mb(gauge('nodejs_external_memory_bytes')),
    openFiles: readdirSync(`/proc/${child.pid}/fd`).length,
  };
}

/** Fresh nodes, started and ready; `stop()` ends them with SIGTERM (so --cpu-prof is written). */
async function startNodes(name) {
  const ports = [];
  for (let i = 0; i < nodeCount; i++)
    ports.push({ kafka: await freePort(), grpc: await freePort(), http: await freePort() });
  const clusterNodes = ports.map((p, i) => `${i + 1}@127.0.0.1:${p.grpc}`).join(',');
  const children = ports.map((p, i) => {
    const child = spawn(
      process.execPath,
      [
        ...nodeArgs,
        nodeJs,
        '--node-id',
        String(i + 1),
        '--cluster-nodes',
        clusterNodes,
        '--data-dir',
        join(root, name, `node-${i + 1}`),
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
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    live.add(child);
    return child;
  });
  const deadline = Date.now() + 60_000;
  for (const [i, p] of ports.entries()) {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${p.http}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      // A node that could not start (a bad --node-js, a taken port) has said why on stderr.
      const exitCode = children[i].exitCode;
      if (exitCode !== null) throw new Error(`node ${i + 1} exited with code ${exitCode} before it was ready`);
      if (Date.now() > deadline) throw new Error('nodes not ready in 60 s');
      await sleep(100);
    }
  }
  const stop = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(killer);
        live.delete(child);
      }),
    );
  };
  return { ports, children, stop, bootstrap: ports.map((p) => `127.0.0.1:${p.kafka}`).join(',') };
}

/** Creates `topic` and waits until Metadata from every node names a leader for each partition. */
async function createTopic(cluster, topic, count) {
  const kafka = new Kafka({
    brokers: cluster.bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    requestTimeout: 120_000,
  });
  const admin = kafka.admin();
  await admin.connect();
  const startedAt = Date.now();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: count, replicationFactor: factor }],
      timeout: 120_000,
    });
    const createMs = Date.now() - startedAt;
    while (Date.now() - startedAt < 300_000) {
      const view = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => null);
      const all = view?.topics[0]?.partitions;
      if (all !== undefined && all.length === count && all.every((p) => p.leader >= 0))
        return { createTopicMs: createMs, allLeadersMs: Date.now() - startedAt };
      await sleep(250);
    }
    throw new Error(`${topic}: partitions without a leader after 300 s`);
  } finally {
    await admin.disconnect();
  }
}

const file = join(root, 'records.txt');
await new Promise((res) => {
  const stream = createWriteStream(file);
  const line = Buffer.alloc(size, 'x');
  line[size - 1] = 0x0a;
  let i = 0;
  const write = () => {
    while (i < records) {
      i++;
      if (!stream.write(line)) return stream.once('drain', write);
    }
    stream.end(res);
  };
  write();
});

/** kcat's settings: `npm run bench`'s, and keyless records spread over every partition. */
const produceArgs = (bootstrap, topic) => [
  '-b',
  bootstrap,
  '-P',
  '-t',
  topic,
  '-l',
  file,
  '-X',
  'acks=all',
  '-X',
  'linger.ms=5',
  '-X',
  'sticky.partitioning.linger.ms=0',
  '-X',
  'batch.num.messages=100000',
  '-X',
  'batch.size=1000000',
  '-X',
  'queue.buffering.max.messages=2000000',
  '-X',
  'queue.buffering.max.kbytes=2097151',
  '-X',
  'message.max.bytes=1048576',
];

async function phase(name, count, measureMemory) {
  const cluster = await startNodes(name);
  try {
    const memory = async () =>
      Promise.all(
        cluster.children.map((c, i) => memoryOf(c, cluster.ports[i].http).then((m) => ({ node: i + 1, ...m }))),
      );
    const idle = measureMemory ? await memory() : undefined;
    const created = await createTopic(cluster, name, count);
    await sleep(settleMs);
    const afterCreate = measureMemory ? await memory() : undefined;
    const loadBefore = uptime();
    const cpuBefore = cluster.children.map(cpuSecondsOf);
    const t0 = performance.now();
    await run('kcat', produceArgs(cluster.bootstrap, name));
    const seconds = (performance.now() - t0) / 1000;
    // Counted work, steadier than MB/s on a shared machine: the nodes' CPU per GB produced.
    const cpuSeconds = cluster.children.reduce((sum, c, i) => sum + cpuSecondsOf(c) - cpuBefore[i], 0);
    const loadAfter = uptime();
    await sleep(settleMs);
    const afterProduce = measureMemory ? await memory() : undefined;
    // What stays after a full GC (a heap snapshot collects first): garbage not yet collected vs held.
    let afterFullGc;
    if (measureMemory && nodeArgs.some((a) => a.startsWith('--heapsnapshot-signal'))) {
      for (const c of cluster.children) c.kill('SIGUSR2');
      await sleep(Math.max(settleMs, 15_000));
      afterFullGc = await memory();
    }
    return {
      partitions: count,
      ...created,
      produce: {
        seconds: +seconds.toFixed(2),
        MBps: +((records * size) / 1e6 / seconds).toFixed(1),
        recordsPerSec: Math.round(records / seconds),
        nodesCpuSecondsPerGB: +(cpuSeconds / ((records * size) / 1e9)).toFixed(1),
        loadBefore,
        loadAfter,
      },
      ...(measureMemory ? { memory: { idle, afterCreate, afterProduce, afterFullGc } } : {}),
    };
  } finally {
    await cluster.stop();
    rmSync(join(root, name), { recursive: true, force: true });
  }
}

const results = [];
for (let r = 0; r < rounds; r++) {
  const baseline = await phase(`few-${r}`, baselinePartitions, false);
  const many = await phase(`many-${r}`, partitions, true);
  const ratio = +(many.produce.MBps / baseline.produce.MBps).toFixed(2);
  const maxRss = Math.max(
    ...many.memory.afterProduce.map((m) => m.rssMB),
    ...many.memory.afterCreate.map((m) => m.rssMB),
  );
  console.error(
    `round ${r + 1}: ${baselinePartitions} partitions ${baseline.produce.MBps} MB/s, ${partitions} partitions ` +
      `${many.produce.MBps} MB/s (ratio ${ratio}, goal >= 0.5), CPU s/GB ${baseline.produce.nodesCpuSecondsPerGB} vs ` +
      `${many.produce.nodesCpuSecondsPerGB}; RSS after create ` +
      `${many.memory.afterCreate.map((m) => m.rssMB).join('/')} MB, after produce ` +
      `${many.memory.afterProduce.map((m) => m.rssMB).join('/')} MB (goal < 256); ${many.produce.loadAfter}`,
  );
  results.push({ baseline, many, throughputRatio: ratio, maxRssMB: maxRss });
}
console.log(
  JSON.stringify(
    {
      machine: `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
      build: nodeJs,
      nodes: nodeCount,
      replicationFactor: factor,
      records,
      sizeBytes: size,
      rounds: results,
    },
    null,
    2,
  ),
);
