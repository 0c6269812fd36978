// kcat (librdkafka 2.0.2) against one real node process: metadata listing, produce with every
// compression codec (stored and served unchanged), and consume from the beginning, the end and a
// timestamp. Skipped with a printed reason when kcat is not installed (never in CI).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kcat } from '../helpers/kcat.js';
import { startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { storedBatches } from '../helpers/raw-client.js';
import { kcatAvailable, requireTool } from '../helpers/tools.js';

const run = requireTool('kcat', kcatAvailable);

interface JsonMessage {
  topic: string;
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  key: string | null;
  payload: string;
}

describe.runIf(run)('kcat against a single node', () => {
  let node: NodeProcess;
  const broker = () => ['-b', node.bootstrap];

  async function consume(topic: string, extra: readonly string[]): Promise<JsonMessage[]> {
    const result = await kcat([...broker(), '-C', '-t', topic, '-J', '-e', '-q', ...extra]);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as JsonMessage);
  }

  beforeAll(async () => {
    node = await startSingleNode();
  });

  afterAll(async () => {
    await stopAll();
  });

  it('lists brokers and topics with -L', async () => {
    const produced = await kcat([...broker(), '-P', '-t', 'listed'], 'one\n');
    expect(produced.code, produced.stderr).toBe(0);
    const result = await kcat([...broker(), '-L', '-J']);
    expect(result.code, result.stderr).toBe(0);
    const metadata = JSON.parse(result.stdout) as {
      controllerid: number;
      brokers: { id: number; name: string }[];
      topics: { topic: string; partitions: { partition: number; leader: number }[] }[];
    };
    expect(metadata.controllerid).toBe(1);
    expect(metadata.brokers).toEqual([{ id: 1, name: `127.0.0.1:${node.kafkaPort}` }]);
    const listed = metadata.topics.find((t) => t.topic === 'listed');
    expect(listed?.partitions).toMatchObject([{ partition: 0, leader: 1 }]);
  });

  const codecIds = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`produces and consumes ${codec}-compressed batches`, async () => {
      const topic = `codec-${codec}`;
      const lines = Array.from({ length: 500 }, (_, i) => `${codec}-message-${i}-${'x'.repeat(i % 50)}`);
      const produced = await kcat(
        [...broker(), '-P', '-t', topic, '-z', codec, '-X', 'linger.ms=50'],
        lines.join('\n') + '\n',
      );
      expect(produced.code, produced.stderr).toBe(0);
      const messages = await consume(topic, ['-o', 'beginning']);
      expect(messages.map((m) => m.payload)).toEqual(lines);
      expect(messages.map((m) => m.offset)).toEqual(lines.map((_, i) => i));
      // The batches are stored as librdkafka compressed them (not silently downgraded). librdkafka
      // sends a batch uncompressed when compressing it would not make it smaller: on a busy machine
      // a lone record can leave in a batch of its own, so only batches of several records count.
      const batches = await storedBatches(node.kafkaPort, topic);
      expect(batches.some((b) => b.codec === codecIds[codec])).toBe(true);
      for (const b of batches) if (b.records > 1) expect(b.codec).toBe(codecIds[codec]);
    });
  }

  it('consumes from the end and from a timestamp', async () => {
    const topic = 'positions';
    const base = Date.now() - 60_000;
    // -K: key delimiter; produce one message per call so each gets its own timestamp.
    for (let i = 0; i < 6; i++) {
      const produced = await kcat(
        [...broker(), '-P', '-t', topic, '-K', ':', '-X', `message.timeout.ms=10000`],
        `k${i}:v${i}\n`,
      );
      expect(produced.code, produced.stderr).toBe(0);
    }
    const all = await consume(topic, ['-o', 'beginning']);
    expect(all.map((m) => m.payload)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    expect(all.map((m) => m.key)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    const lastTwo = await consume(topic, ['-o', '-2']);
    expect(lastTwo.map((m) => m.payload)).toEqual(['v4', 'v5']);
    const fromThird = await consume(topic, ['-o', `s@${all[3]!.ts}`]);
    expect(fromThird[0]!.offset).toBeLessThanOrEqual(3);
    expect(fromThird.at(-1)!.payload).toBe('v5');
    const fromPast = await consume(topic, ['-o', `s@${base}`]);
    expect(fromPast).toHaveLength(6);
  });

  it('produces with acks=all and the idempotent producer', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `idem-${i}`);
    const produced = await kcat(
      [...broker(), '-P', '-t', 'kcat-idempotent', '-X', 'enable.idempotence=true', '-X', 'acks=all'],
      lines.join('\n') + '\n',
    );
    expect(produced.code, produced.stderr).toBe(0);
    const messages = await consume('kcat-idempotent', ['-o', 'beginning']);
    expect(messages.map((m) => m.payload)).toEqual(lines);
  });
});
