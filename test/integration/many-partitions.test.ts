// 1,000 partitions on one node (issue 15, item 4), over real sockets with real clients: kafkajs
// creates the topic and writes one record to every partition with acks=all, kcat (librdkafka)
// produces 160 MiB of keyless records spread over all of them, ListOffsets shows each partition's
// high watermark, and kcat reads every record back, partition by partition. The node's resident
// memory (from /proc) stays under 256 MB throughout: producing does not leave the produced bytes
// in memory, as a leader without followers keeps no in-memory tail (before, every byte produced
// stayed there until the partition went idle: 353 MB after 200 MB produced). Nothing here is timed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kcat } from '../helpers/kcat.js';
import { startSingleNode, stopAll, tempDir, type NodeProcess } from '../helpers/node-process.js';
import { kcatAvailable, requireTool } from '../helpers/tools.js';

const PARTITIONS = 1000;
const RECORD_BYTES = 1024;
const SPREAD_RECORDS = 160 * 1024;
const TOPIC = 'many';

let node: NodeProcess;
let admin: Admin;
let kafka: Kafka;

function residentMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

async function tailCacheBytes(): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
  return Number(/^brook_replication_tail_cache_bytes (\S+)$/m.exec(metrics)?.[1]);
}

beforeAll(async () => {
  node = await startSingleNode();
  kafka = new Kafka({ brokers: [node.bootstrap], logLevel: logLevel.NOTHING, requestTimeout: 120_000 });
  admin = kafka.admin();
  await admin.connect();
}, 60_000);

afterAll(async () => {
  await admin?.disconnect().catch(() => undefined);
  await stopAll();
});

describe.runIf(requireTool('kcat', kcatAvailable))('1,000 partitions on one node', () => {
  it('creates them, each with a leader', async () => {
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
      timeout: 120_000,
    });
    const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    const partitions = metadata.topics[0]?.partitions ?? [];
    expect(partitions).toHaveLength(PARTITIONS);
    expect(partitions.every((p) => p.leader === node.nodeId)).toBe(true);
    expect(residentMB(node.pid!)).toBeLessThan(256);
  }, 180_000);

  it('takes one acks=all record on every partition in one request (kafkajs)', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const sent = await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: `first-${partition}` })),
      });
      expect(sent).toHaveLength(PARTITIONS);
      expect(sent.every((r) => r.errorCode === 0 && r.baseOffset === '0')).toBe(true);
    } finally {
      await producer.disconnect();
    }
  }, 120_000);

  it('takes records spread over every partition (kcat) without keeping the produced bytes in memory', async () => {
    const file = join(tempDir(), 'records.txt');
    writeFileSync(file, ('x'.repeat(RECORD_BYTES - 1) + '\n').repeat(SPREAD_RECORDS));
    const produced = await kcat(
      [
        '-b',
        node.bootstrap,
        '-P',
        '-t',
        TOPIC,
        '-X',
        'acks=all',
        '-X',
        'sticky.partitioning.linger.ms=0',
        '-X',
        'linger.ms=5',
        '-l',
        file,
      ],
      undefined,
      120_000,
    );
    expect(produced.code, produced.stderr).toBe(0);
    expect(residentMB(node.pid!)).toBeLessThan(256);
    expect(await tailCacheBytes()).toBe(0); // no follower would ever read it
  }, 180_000);

  it('serves fetches of every partition: each record read back, as ListOffsets counts them', async () => {
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    expect(offsets).toHaveLength(PARTITIONS);
    const high = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    expect([...high.values()].reduce((a, b) => a + b, 0)).toBe(PARTITIONS + SPREAD_RECORDS);
    expect([...high.values()].every((h) => h >= 1)).toBe(true);
    const consumed = await kcat(
      ['-b', node.bootstrap, '-C', '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-f', '%p %o\n'],
      undefined,
      120_000,
    );
    expect(consumed.code, consumed.stderr).toBe(0);
    const perPartition = new Map<number, number>();
    for (const row of consumed.stdout.split('\n')) {
      if (row === '') continue;
      const [partition, offset] = row.split(' ').map(Number) as [number, number];
      expect(offset).toBe(perPartition.get(partition) ?? 0); // in order, none missing, none twice
      perPartition.set(partition, offset + 1);
    }
    expect(perPartition).toEqual(high);
    expect(residentMB(node.pid!)).toBeLessThan(256);
  }, 180_000);
});
