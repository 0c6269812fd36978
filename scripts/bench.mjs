#!/usr/bin/env node
// `npm run bench`: measures the disk under the bench's data directory (sequential write +
// fdatasync), then for each node count of --nodes (default 1,3) starts Brook from dist/ on
// 127.0.0.1 with a fresh data directory, and measures
//   1. produce throughput: kcat (librdkafka) sends N records of S bytes with acks=all, with each
//      node's CPU seconds per GB produced (utime + stime from /proc/<pid>/stat),
//   2. consume throughput: kcat reads them all back from the beginning,
//   3. produce latency: a librdkafka producer (python3-confluent-kafka) at a steady rate, with the
//      stage breakdown of those produces read from the nodes' /metrics (brook_kafka_produce_stage_seconds
//      and brook_replication_follower_append_seconds, bucket counts after the phase minus before: median and p99
//      per stage; docs/operations.md says how to read it),
//   4. the cost of topic compression.type: the same records produced in one codec to a topic
//      that keeps it (compression.type=producer) and to one whose codec differs, so the leader
//      recompresses every batch (--recompress PRODUCER:TOPIC, default lz4:gzip; '' skips it),
//   5. the log cleaner: a compacted topic is filled with --compaction-records keyed records over
//      --compaction-keys keys while min.compaction.lag.ms holds the cleaner off, then released;
//      while it cleans, the produce run of 1. is repeated to another topic. Reports the cleaner's
//      MB/s (bytes read over the time in passes, from /metrics) and produce MB/s while it cleans
//      (--compaction-records 0 skips it),
// and prints MB/s, records/s and p50/p99/p99.9 latency with the flush policy it ran.
//   5. with --security sasl_ssl, the cost of TLS: every node gets a SASL_SSL listener beside its
//      PLAINTEXT one (certificates made with openssl in the bench's directory, a SCRAM-SHA-512
//      user), and the same records are produced and consumed through each, one after the other;
//      --peer-tls also puts the links between the nodes on mutual TLS (for both runs).
// With one node count the JSON is that run's (keys as before, plus disk, ratios, stages and
// cpu); with several it is {machine, load, disk, ratios, runs: [one per node count]}. The ratios
// are issue 15's goals, printed on stderr beside the disk figure with the stage table:
// 1 node produce / disk >= 0.75, 3 nodes produce / (disk / 3) >= 0.9 (three replicas share one
// disk here), 3-node latency p50 and p99 / 1 node's <= 2, consume >= 500 MB/s.
// Options: --nodes 1|3|1,3 (default 1,3; 3: a local cluster, topic replication factor 3, W=2 R=2)
//          --records N (default 1000000) --size BYTES (1024) --partitions P (4)
//          --flush-messages N (1 = fsync before ack, the default) --latency-rate R (5000/s)
//          --transaction-records N (100000; 0 skips) --records-per-transaction T (100)
//          --disk-bytes B (1073741824: the disk figure's write; 0 skips it)
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  createWriteStream,
  fdatasyncSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { connect } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { PRODUCE_STAGES } from '../dist/common/metrics-stages.js';
// Ports below the kernel's range for outgoing connections (src/common/free-port.ts).
import { freePort } from '../dist/common/free-port.js';

const { values: opts } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1,3' },
    records: { type: 'string', default: '1000000' },
    size: { type: 'string', default: '1024' },
    partitions: { type: 'string', default: '4' },
    'flush-messages': { type: 'string', default: '1' },
    'latency-records': { type: 'string', default: '50000' },
    'latency-rate': { type: 'string', default: '5000' },
    recompress: { type: 'string', default: 'lz4:gzip' },
    'transaction-records': { type: 'string', default: '100000' },
    'records-per-transaction': { type: 'string', default: '100' },
    'compaction-records': { type: 'string', default: '300000' },
    'compaction-keys': { type: 'string', default: '20000' },
    security: { type: 'string', default: 'plaintext' },
    'peer-tls': { type: 'boolean', default: false },
    'disk-bytes': { type: 'string', default: String(2 ** 30) },
  },
});
const secured = opts.security === 'sasl_ssl';
if (!['plaintext', 'sasl_ssl'].includes(opts.security)) {
  console.error('bench: --security must be plaintext or sasl_ssl');
  process.exit(2);
}
const records = Number(opts.records);
const size = Number(opts.size);
const partitions = Number(opts.partitions);
const flushMessages = Number(opts['flush-messages']);
// Node's own flags for every node (BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/p'): nodes stop by SIGTERM, so
// a profile is written.
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
const nodeCounts = opts.nodes.split(',').map(Number);
if (nodeCounts.length === 0 || nodeCounts.some((n) => n !== 1 && n !== 3)) {
  console.error('bench: --nodes must be 1, 3 or a list of them (1,3)');
  process.exit(2);
}
const diskBytes = Number(opts['disk-bytes']);
if (!Number.isSafeInteger(diskBytes) || diskBytes < 0) {
  console.error('bench: --disk-bytes must be a whole number of bytes');
  process.exit(2);
}
function requireTool(cmd, args, hint) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  if (r.error) {
    console.error(`bench: ${cmd} is needed (${hint})`);
    process.exit(2);
  }
}
requireTool('kcat', ['-V'], 'apt-get install kcat');
const python = '/usr/bin/python3';
const haveLatencyTool = spawnSync(python, ['-c', 'import confluent_kafka'], { stdio: 'ignore' }).status === 0;

function run(cmd, args, { input, quiet = true } = {}) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += quiet ? '' : c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', rej);
    child.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`))));
    if (input) input.pipe(child.stdin);
  });
}

function runCapture(cmd, args) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`))));
  });
}

async function waitForPort(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((res) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        res(true);
      });
      s.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('node did not start');
}

/**
 * Waits until every partition the nodes host (at start: the 50 of __consumer_offsets, created by
 * the first node up) has a leader, so the timed runs measure steady state rather than start-up.
 */
async function waitForLeaders(nodePorts) {
  for (let i = 0; i < 600; i++) {
    try {
      const views = await Promise.all(
        nodePorts.map(async (p) => (await (await fetch(`http://127.0.0.1:${p.http}/partitions`)).json()).partitions),
      );
      const all = new Set(views.flat().map((v) => `${v.topic}/${v.partition}`));
      const led = new Set(
        views
          .flat()
          .filter((v) => v.role === 'leader')
          .map((v) => `${v.topic}/${v.partition}`),
      );
      // A node that hosts nothing yet after a few seconds has nothing to wait for.
      if (led.size === all.size && (all.size > 0 || i >= 30)) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('partitions did not get leaders within 60 s');
}

const dir = mkdtempSync(join(tmpdir(), 'brook-bench-'));
/** Node processes of the phase running now, killed if the bench exits early. */
const liveNodes = new Set();
const cleanup = () => {
  for (const node of liveNodes) node.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

/** A CA and one certificate for 127.0.0.1 and localhost, which every node shows (TLS and peers). */
function makeCertificates() {
  const openssl = (...args) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr ?? r.error}`);
  };
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=brook-bench-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'node.key',
    '-out',
    'node.csr',
    '-subj',
    '/CN=brook-bench',
  );
  writeFileSync(
    join(dir, 'node.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'node.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-set_serial',
    '1',
    '-days',
    '1',
    '-extfile',
    'node.ext',
    '-out',
    'node.crt',
  );
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'node.crt'), key: join(dir, 'node.key') };
}
const BENCH_USER = { name: 'bench', password: 'bench-secret' };
const certs =
  secured || opts['peer-tls']
    ? (requireTool('openssl', ['version'], 'apt-get install openssl'), makeCertificates())
    : null;
const securityArgs = (p) => [
  ...(secured
    ? [
        '--listeners',
        `PLAINTEXT://127.0.0.1:${p.kafka},SASL_SSL://127.0.0.1:${p.secure}`,
        '--tls-cert',
        certs.cert,
        '--tls-key',
        certs.key,
        '--super-users',
        `User:${BENCH_USER.name}`,
      ]
    : ['--kafka-port', String(p.kafka)]),
  ...(opts['peer-tls'] ? ['--peer-tls-cert', certs.cert, '--peer-tls-key', certs.key, '--peer-tls-ca', certs.ca] : []),
];
/**
 * The disk's sequential write rate as `dd bs=1M conv=fdatasync` measures it: `bytes` written in
 * 1 MiB blocks (incompressible, in case the filesystem compresses) into the bench's data
 * directory, then one fdatasync, timed together.
 */
function measureDisk(bytes) {
  const path = join(dir, 'disk-probe');
  const block = Buffer.alloc(1 << 20);
  let seed = 7;
  for (let j = 0; j < block.length; j++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    block[j] = seed & 0xff;
  }
  const fd = openSync(path, 'w');
  const start = performance.now();
  try {
    for (let written = 0; written < bytes;) written += writeSync(fd, block, 0, Math.min(block.length, bytes - written));
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const seconds = (performance.now() - start) / 1000;
  rmSync(path, { force: true });
  return {
    method: `sequential write of ${(bytes / 2 ** 20).toFixed(0)} MiB in 1 MiB blocks, then fdatasync (dd conv=fdatasync)`,
    directory: dir,
    seconds: +seconds.toFixed(2),
    MBps: +(bytes / 1e6 / seconds).toFixed(1),
  };
}

const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU seconds (user + system) a node process has used, from /proc/<pid>/stat. */
function cpuSecondsOf(node) {
  try {
    const stat = readFileSync(`/proc/${node.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, in parentheses): utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

const STAGE_METRIC = 'brook_kafka_produce_stage_seconds';
/** The stages in the order a produce passes them, from the build the bench runs (`npm run bench` builds first). */
const STAGES = PRODUCE_STAGES;

/**
 * The stage histograms summed over the nodes' /metrics: per stage (and `follower_own_view` for
 * brook_replication_follower_append_seconds) the cumulative count of each bucket bound, and the sum.
 */
async function scrapeStages(nodePorts) {
  const series = new Map();
  for (const p of nodePorts) {
    const text = await (await fetch(`http://127.0.0.1:${p.http}/metrics`)).text();
    for (const line of text.split('\n')) {
      const m =
        /^(brook_kafka_produce_stage_seconds|brook_replication_follower_append_seconds)_(bucket|sum|count)(?:\{([^}]*)\})? (\S+)$/.exec(
          line,
        );
      if (m === null) continue;
      const labels = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      const key = m[1] === STAGE_METRIC ? labels.stage : 'follower_own_view';
      const entry = series.get(key) ?? { buckets: new Map(), sum: 0, count: 0 };
      const value = Number(m[4]);
      if (m[2] === 'bucket') {
        const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
        entry.buckets.set(le, (entry.buckets.get(le) ?? 0) + value);
      } else entry[m[2]] += value;
      series.set(key, entry);
    }
  }
  return series;
}

/** The q-quantile of bucket counts (cumulative, by bound), interpolated within its bucket as Prometheus does. */
function quantileOf(buckets, q) {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const cumulative = buckets.get(bound);
    if (cumulative >= rank) {
      if (bound === Infinity) return lower;
      const inBucket = cumulative - below;
      return inBucket > 0 ? lower + ((bound - lower) * (rank - below)) / inBucket : bound;
    }
    lower = bound;
    below = cumulative;
  }
  return lower;
}

/** Per stage, what was observed between two scrapes: count, median, p99 and mean in ms. */
function stageBreakdown(before, after) {
  const ms = (seconds) => (seconds === null ? null : +(seconds * 1000).toFixed(3));
  const out = {};
  for (const stage of [...STAGES, 'follower_own_view']) {
    const a = after.get(stage);
    if (a === undefined) continue;
    const b = before.get(stage) ?? { buckets: new Map(), sum: 0, count: 0 };
    const buckets = new Map([...a.buckets].map(([le, n]) => [le, n - (b.buckets.get(le) ?? 0)]));
    const count = a.count - b.count;
    out[stage] = {
      count,
      p50_ms: ms(quantileOf(buckets, 0.5)),
      p99_ms: ms(quantileOf(buckets, 0.99)),
      mean_ms: count > 0 ? ms((a.sum - b.sum) / count) : null,
    };
  }
  return {
    during: `the latency phase (acks=all at ${opts['latency-rate']} records/s), summed over the nodes`,
    how: 'brook_kafka_produce_stage_seconds (leaders) and brook_replication_follower_append_seconds (followers: follower_own_view), bucket counts after minus before; quantiles interpolated within 1.5x buckets',
    ...out,
  };
}

/** One run of every phase against a fresh cluster of `nodeCount` nodes; its JSON result. */
async function runPhase(nodeCount) {
  const phaseDir = join(dir, `nodes-${nodeCount}`);
  const ports = [];
  for (let i = 0; i < nodeCount; i++)
    ports.push({ kafka: await freePort(), secure: await freePort(), grpc: await freePort(), http: await freePort() });
  const clusterNodes = ports.map((p, i) => `${i + 1}@127.0.0.1:${p.grpc}`).join(',');
  const nodes = ports.map((p, i) =>
    spawn(
      process.execPath,
      [
        ...nodeFlags,
        resolve('dist/node.js'),
        '--node-id',
        String(i + 1),
        '--cluster-nodes',
        clusterNodes,
        '--data-dir',
        join(phaseDir, `node-${i + 1}`),
        ...securityArgs(p),
        '--http-port',
        String(p.http),
        '--grpc-port',
        String(p.grpc),
        '--log-level',
        'warn',
        '--flush-messages',
        String(flushMessages),
        '--default-partitions',
        String(partitions),
        '--default-replication-factor',
        String(nodeCount),
      ],
      {
        // The nodes' log lines go to stderr: stdout is the JSON result alone.
        stdio: ['ignore', 2, 2],
        env: {
          ...process.env,
          ...(secured ? { BROOK_BOOTSTRAP_USERS: `${BENCH_USER.name}:${BENCH_USER.password}` } : {}),
        },
      },
    ),
  );
  for (const node of nodes) liveNodes.add(node);
  try {
    for (const p of ports) await waitForPort(p.kafka);
    if (secured) for (const p of ports) await waitForPort(p.secure);
    await waitForLeaders(ports);
    const bootstrap = ports.map((p) => `127.0.0.1:${p.kafka}`).join(',');
    const payloadBytes = records * (size - 1);

    /** The cleaner's counters summed over the nodes' /metrics. */
    const cleanerMetrics = async () => {
      const sums = { read: 0, written: 0, busy: 0, passes: 0 };
      for (const p of ports) {
        const text = await (await fetch(`http://127.0.0.1:${p.http}/metrics`)).text();
        const value = (name) =>
          Number(
            text
              .split('\n')
              .find((l) => l.startsWith(`${name} `))
              ?.split(' ')[1] ?? 0,
          );
        sums.read += value('brook_log_cleaner_bytes_read_total');
        sums.written += value('brook_log_cleaner_bytes_written_total');
        sums.busy += value('brook_log_cleaner_busy_seconds_total');
        sums.passes += value('brook_log_cleaner_passes_total');
      }
      return sums;
    };

    /** Step 5: the cleaner's throughput, and produce throughput while it works. */
    async function compactionRun(bootstrap, count, keys) {
      const keyed = join(dir, 'keyed.txt');
      await new Promise((res) => {
        const stream = createWriteStream(keyed);
        let i = 0;
        const write = () => {
          while (i < count) {
            const line = `k${i % keys}:${'v'.repeat(size - 2 - String(i % keys).length - 2)}${i % 10}\n`;
            i++;
            if (!stream.write(line)) return stream.once('drain', write);
          }
          stream.end(res);
        };
        write();
      });
      const { Kafka, logLevel } = await import('kafkajs');
      const admin = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const topic = 'bench-compacted';
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: partitions,
            replicationFactor: nodeCount,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'segment.bytes', value: String(16 * 1024 * 1024) },
              { name: 'min.cleanable.dirty.ratio', value: '0.01' },
              { name: 'min.compaction.lag.ms', value: String(24 * 3600 * 1000) },
            ],
          },
          { topic: 'bench-while-cleaning', numPartitions: partitions, replicationFactor: nodeCount },
        ],
      });
      await run('kcat', [...producerArgs(topic).map((a) => (a === file ? keyed : a)), '-K:']);
      const before = await cleanerMetrics();
      // AlterConfigs replaces a topic's whole config set: give all of it, the lag released.
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: 2,
            name: topic,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'segment.bytes', value: String(16 * 1024 * 1024) },
              { name: 'min.cleanable.dirty.ratio', value: '0.01' },
              { name: 'min.compaction.lag.ms', value: '0' },
            ],
          },
        ],
      });
      const start = performance.now();
      await run('kcat', producerArgs('bench-while-cleaning'));
      const produceSeconds = (performance.now() - start) / 1000;
      // The cleaner is done once it reads nothing more for a while (bounded: 10 minutes).
      let last = await cleanerMetrics();
      for (let quiet = 0, i = 0; quiet < 20 && i < 6000; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const now = await cleanerMetrics();
        quiet = now.read === last.read && now.read > before.read ? quiet + 1 : 0;
        last = now;
      }
      await admin.disconnect();
      const readMB = (last.read - before.read) / 1e6;
      const busy = last.busy - before.busy;
      return {
        records: count,
        keys,
        replicasCleaning: nodeCount,
        cleanerReadMB: +readMB.toFixed(1),
        cleanerWrittenMB: +((last.written - before.written) / 1e6).toFixed(1),
        cleanerSeconds: +busy.toFixed(2),
        cleanerMBps: busy > 0 ? +(readMB / busy).toFixed(1) : null,
        produceWhileCleaning: {
          seconds: +produceSeconds.toFixed(2),
          MBps: +(mb / produceSeconds).toFixed(1),
          recordsPerSec: Math.round(records / produceSeconds),
        },
      };
    }
    const mb = payloadBytes / 1e6;
    const policy =
      flushMessages === 1 ? 'fsync before ack (group commit), the default' : `flush.messages=${flushMessages}`;

    const secureBootstrap = ports.map((p) => `127.0.0.1:${p.secure}`).join(',');
    const saslSslArgs = secured
      ? [
          '-X',
          'security.protocol=SASL_SSL',
          '-X',
          'sasl.mechanisms=SCRAM-SHA-512',
          '-X',
          `sasl.username=${BENCH_USER.name}`,
          '-X',
          `sasl.password=${BENCH_USER.password}`,
          '-X',
          `ssl.ca.location=${certs.ca}`,
        ]
      : [];
    const producerArgs = (topic = 'bench', codec = 'none', via = bootstrap) => [
      '-b',
      via,
      ...(via === bootstrap ? [] : saslSslArgs),
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
      'batch.num.messages=100000',
      '-X',
      'batch.size=1000000',
      '-X',
      'queue.buffering.max.messages=2000000',
      '-X',
      'queue.buffering.max.kbytes=2097151',
      '-X',
      'message.max.bytes=1048576',
      '-X',
      `compression.codec=${codec}`,
    ];
    // Create the topic first (auto-created with the bench's partition count) so the timed run is steady state.
    await run('kcat', ['-b', bootstrap, '-P', '-t', 'bench', '-X', 'acks=all'], { input: Readable.from(['x\n']) });

    const cpuBefore = nodes.map(cpuSecondsOf);
    let t0 = performance.now();
    await run('kcat', producerArgs());
    const produceSeconds = (performance.now() - t0) / 1000;
    const cpu = nodes.map((node, i) => {
      const seconds = cpuSecondsOf(node) - cpuBefore[i];
      return {
        node: i + 1,
        cpuSeconds: +seconds.toFixed(2),
        secondsPerGB: +(seconds / (payloadBytes / 1e9)).toFixed(1),
      };
    });

    const consumerArgs = (topic, via = bootstrap) => [
      '-b',
      via,
      ...(via === bootstrap ? [] : saslSslArgs),
      '-C',
      '-t',
      topic,
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%o\n',
      '-X',
      'fetch.max.bytes=52428800',
      '-X',
      'fetch.message.max.bytes=10485760',
      '-X',
      'fetch.wait.max.ms=10',
    ];
    t0 = performance.now();
    await run('kcat', consumerArgs('bench'));
    const consumeSeconds = (performance.now() - t0) / 1000;

    // The same through SASL_SSL (SCRAM-SHA-512 login, TLS on every byte), to a topic of its own.
    let tls = null;
    if (secured) {
      await run('kcat', ['-b', secureBootstrap, ...saslSslArgs, '-P', '-t', 'bench-tls', '-X', 'acks=all'], {
        input: Readable.from(['x\n']),
      });
      let start = performance.now();
      await run('kcat', producerArgs('bench-tls', 'none', secureBootstrap));
      const tlsProduceSeconds = (performance.now() - start) / 1000;
      start = performance.now();
      await run('kcat', consumerArgs('bench-tls', secureBootstrap));
      const tlsConsumeSeconds = (performance.now() - start) / 1000;
      const rate = (seconds) => ({
        seconds: +seconds.toFixed(2),
        MBps: +(mb / seconds).toFixed(1),
        recordsPerSec: Math.round(records / seconds),
      });
      tls = {
        listener: 'SASL_SSL (SCRAM-SHA-512 over TLS), after the PLAINTEXT runs above',
        produce: rate(tlsProduceSeconds),
        consume: rate(tlsConsumeSeconds),
        produceThroughputRatio: +(produceSeconds / tlsProduceSeconds).toFixed(2),
        consumeThroughputRatio: +(consumeSeconds / tlsConsumeSeconds).toFixed(2),
      };
    }

    // Recompression on the leader: the same producer codec to a topic that keeps it, then to one
    // whose compression.type differs. Topics are created with their config through kafkajs.
    let recompression = null;
    if (opts.recompress !== '') {
      const [producerCodec, topicCodec] = opts.recompress.split(':');
      const { Kafka, logLevel } = await import('kafkajs');
      const admin = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: 'bench-kept', numPartitions: partitions, replicationFactor: nodeCount },
          {
            topic: 'bench-recompressed',
            numPartitions: partitions,
            replicationFactor: nodeCount,
            configEntries: [{ name: 'compression.type', value: topicCodec }],
          },
        ],
      });
      await admin.disconnect();
      const timed = async (topic) => {
        const start = performance.now();
        await run('kcat', producerArgs(topic, producerCodec));
        const seconds = (performance.now() - start) / 1000;
        return {
          seconds: +seconds.toFixed(2),
          MBps: +(mb / seconds).toFixed(1),
          recordsPerSec: Math.round(records / seconds),
        };
      };
      const kept = await timed('bench-kept');
      const recompressed = await timed('bench-recompressed');
      recompression = {
        producerCodec,
        topicCodec,
        keptAsSent: kept,
        recompressedOnLeader: recompressed,
        throughputRatio: +(recompressed.MBps / kept.MBps).toFixed(2),
      };
    }

    let compaction = null;
    const compactionRecords = Number(opts['compaction-records']);
    if (compactionRecords > 0)
      compaction = await compactionRun(bootstrap, compactionRecords, Number(opts['compaction-keys']));

    let latency = null;
    let stages = null;
    if (haveLatencyTool) {
      // Create the latency topic first, so topic creation and leader election are not timed.
      await run('kcat', ['-b', bootstrap, '-P', '-t', 'bench-latency', '-X', 'acks=all'], {
        input: Readable.from(['x\n']),
      });
      const before = await scrapeStages(ports);
      const out = await runCapture(python, [
        resolve('scripts/bench-latency.py'),
        bootstrap,
        'bench-latency',
        opts['latency-records'],
        String(size),
        opts['latency-rate'],
        'all',
      ]);
      latency = JSON.parse(out.trim().split('\n').pop());
      stages = stageBreakdown(before, await scrapeStages(ports));
    }

    let transactions = null;
    if (haveLatencyTool && Number(opts['transaction-records']) > 0) {
      await run('kcat', ['-b', bootstrap, '-P', '-t', 'bench-txn', '-X', 'acks=all'], {
        input: Readable.from(['x\n']),
      });
      const out = await runCapture(python, [
        resolve('scripts/bench-transactions.py'),
        bootstrap,
        'bench-txn',
        opts['transaction-records'],
        String(size - 1),
        opts['records-per-transaction'],
        String(partitions),
      ]);
      const measured = JSON.parse(out.trim().split('\n').pop());
      transactions = {
        ...measured,
        throughputRatio: +(measured.transactional.MBps / measured.idempotentSameClient.MBps).toFixed(2),
      };
    }

    const result = {
      machine: `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
      flushPolicy: policy,
      // The nodes inherit the environment: BROOK_PAGE_CACHE_RETAIN_BYTES=-1 compares against a page
      // cache left alone.
      pageCache: process.env.BROOK_PAGE_CACHE_RETAIN_BYTES
        ? `BROOK_PAGE_CACHE_RETAIN_BYTES=${process.env.BROOK_PAGE_CACHE_RETAIN_BYTES}`
        : 'default: the newest 32 MiB of each segment stay cached after an fsync',
      cluster:
        nodeCount === 1
          ? '1 node'
          : `${nodeCount} nodes on this machine, replication factor ${nodeCount}, write quorum ${Math.floor(nodeCount / 2) + 1}`,
      records,
      recordBytes: size - 1,
      partitions,
      produce: {
        acks: 'all',
        seconds: +produceSeconds.toFixed(2),
        MBps: +(mb / produceSeconds).toFixed(1),
        recordsPerSec: Math.round(records / produceSeconds),
      },
      consume: {
        seconds: +consumeSeconds.toFixed(2),
        MBps: +(mb / consumeSeconds).toFixed(1),
        recordsPerSec: Math.round(records / consumeSeconds),
      },
      saslSsl: tls ?? 'skipped (--security sasl_ssl measures it)',
      peerTls: opts['peer-tls'] ? 'mutual TLS between the nodes' : 'plaintext between the nodes',
      compressionType: recompression ?? 'skipped (--recompress "")',
      compaction: compaction ?? 'skipped (--compaction-records 0)',
      latency: latency
        ? { acks: 'all', ratePerSec: Number(opts['latency-rate']), ...latency }
        : 'skipped: /usr/bin/python3 with confluent_kafka not found (apt-get install python3-confluent-kafka)',
      stages: stages ?? 'skipped with the latency phase',
      cpu: { during: 'the produce throughput run (1.)', perNode: cpu },
      transactions:
        transactions ??
        (haveLatencyTool
          ? 'skipped (--transaction-records 0)'
          : 'skipped: /usr/bin/python3 with confluent_kafka not found (apt-get install python3-confluent-kafka)'),
    };
    return result;
  } finally {
    await Promise.all(
      nodes.map(async (node) => {
        liveNodes.delete(node);
        if (node.exitCode === null && node.signalCode === null) {
          const exited = new Promise((res) => node.once('exit', res));
          // With node flags (a profiler), a graceful stop lets the node write its profile.
          node.kill(nodeFlags.length > 0 ? 'SIGTERM' : 'SIGKILL');
          const late = setTimeout(() => node.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(late);
        }
      }),
    );
    rmSync(phaseDir, { recursive: true, force: true });
  }
}

const file = join(dir, 'records.txt');
await new Promise((res) => {
  // Text that codecs do real work on (16 letters drawn from a seeded xorshift generator, lines
  // cut from a 64 KiB pool: one line alone gzips about 1.8:1); each line is `size` bytes including
  // the newline delimiter.
  let seed = 42;
  const pool = Buffer.alloc(1 << 16);
  for (let j = 0; j < pool.length; j++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    pool[j] = 0x61 + ((seed >>> 0) % 16);
  }
  const stream = createWriteStream(file);
  let i = 0;
  const write = () => {
    while (i < records) {
      const start = (i * 131) % (pool.length - size);
      const line = Buffer.from(pool.subarray(start, start + size));
      line[size - 1] = 0x0a;
      i++;
      if (!stream.write(line)) return stream.once('drain', write);
    }
    stream.end(res);
  };
  write();
});
const loadAtStart = loadavg().map((l) => +l.toFixed(2));
const disk = diskBytes > 0 ? measureDisk(diskBytes) : null;
const runs = [];
for (const nodeCount of nodeCounts) runs.push(await runPhase(nodeCount));
const load = { atStart: loadAtStart, atEnd: loadavg().map((l) => +l.toFixed(2)) };

/** A measured ratio beside the goal it is held to (issue 15). */
const goal = (value, compare, target, what) =>
  value === null || !Number.isFinite(value)
    ? null
    : {
        value: +value.toFixed(2),
        goal: `${compare} ${target}`,
        met: compare === '>=' ? value >= target : value <= target,
        what,
      };
const single = runs.find((r) => r.cluster === '1 node');
const replicated = runs.find((r) => r.cluster !== '1 node');
const latencyOf = (r, key) => (r !== undefined && typeof r.latency === 'object' ? r.latency[key] : null);
const ratios = {
  singleNodeProduceOverDisk:
    single && disk ? goal(single.produce.MBps / disk.MBps, '>=', 0.75, '1 node produce MB/s / disk MB/s') : null,
  replicatedProduceOverDiskThird:
    replicated && disk
      ? goal(
          replicated.produce.MBps / (disk.MBps / 3),
          '>=',
          0.9,
          '3 nodes RF 3 acks=all produce MB/s / (disk MB/s / 3)',
        )
      : null,
  latencyP50OverSingleNode:
    single && replicated
      ? goal(latencyOf(replicated, 'p50_ms') / latencyOf(single, 'p50_ms'), '<=', 2, '3-node p50 / 1-node p50')
      : null,
  latencyP99OverSingleNode:
    single && replicated
      ? goal(latencyOf(replicated, 'p99_ms') / latencyOf(single, 'p99_ms'), '<=', 2, '3-node p99 / 1-node p99')
      : null,
  consumeMBps: Object.fromEntries(runs.map((r) => [r.cluster, goal(r.consume.MBps, '>=', 500, 'consume MB/s')])),
};

/** The human summary, on stderr so stdout stays one JSON document. */
function printSummary() {
  const say = (line = '') => process.stderr.write(`${line}\n`);
  const mark = (g) => (g === null ? '' : ` (goal ${g.goal}: ${g.met ? 'met' : 'not met'})`);
  say();
  say(`load average ${load.atStart.join(' ')} at start, ${load.atEnd.join(' ')} at end; ${runs[0]?.flushPolicy}`);
  say(disk ? `disk: ${disk.MBps} MB/s, ${disk.method}, ${disk.directory}` : 'disk: skipped (--disk-bytes 0)');
  for (const r of runs) {
    const lat = typeof r.latency === 'object' ? `latency p50 ${r.latency.p50_ms} ms, p99 ${r.latency.p99_ms} ms` : '';
    say(`${r.cluster}: produce ${r.produce.MBps} MB/s, consume ${r.consume.MBps} MB/s, ${lat}`);
    say(`  CPU seconds per GB produced: ${r.cpu.perNode.map((c) => `node ${c.node} ${c.secondsPerGB}`).join(', ')}`);
  }
  const r = ratios;
  if (r.singleNodeProduceOverDisk)
    say(`1 node produce / disk = ${r.singleNodeProduceOverDisk.value}${mark(r.singleNodeProduceOverDisk)}`);
  if (r.replicatedProduceOverDiskThird)
    say(
      `3 nodes produce / (disk / 3) = ${r.replicatedProduceOverDiskThird.value}${mark(r.replicatedProduceOverDiskThird)}`,
    );
  if (r.latencyP50OverSingleNode)
    say(`3-node / 1-node latency p50 = ${r.latencyP50OverSingleNode.value}${mark(r.latencyP50OverSingleNode)}`);
  if (r.latencyP99OverSingleNode)
    say(`3-node / 1-node latency p99 = ${r.latencyP99OverSingleNode.value}${mark(r.latencyP99OverSingleNode)}`);
  for (const [cluster, g] of Object.entries(r.consumeMBps))
    if (g) say(`consume, ${cluster} = ${g.value} MB/s${mark(g)}`);
  for (const run of runs) {
    if (typeof run.stages !== 'object') continue;
    say();
    say(`stage breakdown, ${run.cluster}, ${run.stages.during} (ms):`);
    say(`${'stage'.padEnd(24)}${'count'.padStart(9)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'mean'.padStart(10)}`);
    for (const stage of [...STAGES, 'follower_own_view']) {
      const s = run.stages[stage];
      if (s === undefined || s.count === 0) continue;
      const cell = (v) => String(v ?? '-').padStart(10);
      say(`${stage.padEnd(24)}${String(s.count).padStart(9)}${cell(s.p50_ms)}${cell(s.p99_ms)}${cell(s.mean_ms)}`);
    }
  }
  say();
}
printSummary();

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
const output =
  runs.length === 1
    ? { ...runs[0], load, disk: disk ?? 'skipped (--disk-bytes 0)', ratios }
    : { machine, load, disk: disk ?? 'skipped (--disk-bytes 0)', ratios, runs };
console.log(JSON.stringify(output, null, 2));
