// Clients that speak only what Kafka 4 removed (KIP-896), against one real node: Debian's
// sarama 1.22 (Produce v0 with message format v0 and v2 with v1, Fetch v0/v2/v3, OffsetCommit v1
// from a consumer group with default settings) and segmentio/kafka-go 0.2.1 (Produce v2, Fetch
// v2). test/fixtures/old-go-clients/main.go is built here offline from Debian's Go packages
// (golang-go, golang-github-shopify-sarama-dev, golang-github-segmentio-kafka-go-dev; .ci/run
// installs them). Skipped with a printed reason only when Go is not installed.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressionOf, readBatchHeader, splitBatches } from '../../src/storage/index.js';
import { startSingleNode, stopAll, tempDir, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { requireTool, toolAvailable } from '../helpers/tools.js';

const run = requireTool('go', toolAvailable('go', ['version']));
const SOURCE = join(import.meta.dirname, '../fixtures/old-go-clients/main.go');

interface Line {
  offset: number;
  key: string;
  value: string;
  timestamp: number;
}

describe.runIf(run)('old Go clients (sarama 1.22, kafka-go 0.2.1)', () => {
  let node: NodeProcess;
  let dir: string;
  let binary: string;

  function client(args: readonly string[]): Promise<Line[]> {
    return new Promise((resolve, reject) => {
      const child = spawn(binary, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString();
        if (code !== 0) {
          reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
          return;
        }
        const lines = Buffer.concat(out)
          .toString()
          .split('\n')
          .filter((l) => l.trim() !== '');
        resolve(lines.map((l) => JSON.parse(l) as Line));
      });
    });
  }

  beforeAll(async () => {
    dir = tempDir('brook-old-go-');
    binary = join(dir, 'old-go-clients');
    const built = spawnSync('go', ['build', '-o', binary, SOURCE], {
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH: `${join(dir, 'gopath')}:/usr/share/gocode`,
        GOCACHE: join(dir, 'gocache'),
        GOFLAGS: '',
      },
      encoding: 'utf8',
      timeout: 110_000,
    });
    if (built.status !== 0) {
      throw new Error(
        `building ${SOURCE} failed (apt-get install -y golang-github-shopify-sarama-dev golang-github-segmentio-kafka-go-dev): ${built.stderr}`,
      );
    }
    node = await startSingleNode();
  });

  afterAll(async () => {
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sarama produces with message formats v0 and v1 (every old codec) and consumes back with Fetch v0, v2 and v3', async () => {
    const b = node.bootstrap;
    const batches = [
      ['0.8.2.0', 'none', 'v0plain'],
      ['0.8.2.0', 'snappy', 'v0snappy'],
      ['0.8.2.0', 'gzip', 'v0gzip'],
      ['0.10.0.0', 'gzip', 'v1gzip'],
      ['0.10.0.0', 'lz4', 'v1lz4'],
      ['0.10.0.0', 'none', 'v1plain'],
    ] as const;
    let next = 0;
    for (const [version, codec, prefix] of batches) {
      const produced = await client(['sarama-produce', b, 'sarama', version, codec, '4', prefix]);
      expect(produced.map((l) => l.offset)).toEqual([next, next + 1, next + 2, next + 3]);
      next += 4;
    }
    const expectedValues = batches.flatMap(([, , prefix]) => [0, 1, 2, 3].map((i) => `${prefix}-${i}`));
    for (const version of ['0.8.2.0', '0.10.0.0', '0.10.1.0']) {
      const consumed = await client(['sarama-consume', b, 'sarama', version, String(expectedValues.length)]);
      expect(consumed.map((l) => l.offset)).toEqual(expectedValues.map((_, i) => i));
      expect(consumed.map((l) => l.value)).toEqual(expectedValues);
      expect(consumed.map((l) => l.key)).toEqual(expectedValues.map((_, i) => `k${i % 4}`));
      // Message format v0 has no timestamps: Fetch v0 shows none; v2+ show v1's, and none for v0's.
      const stamps = consumed.map((l) => l.timestamp);
      if (version === '0.8.2.0') expect(new Set(stamps)).toEqual(new Set([-1]));
      else expect(stamps.slice(12, 16)).toEqual([0, 1, 2, 3].map((i) => (1_700_000_000 + i) * 1000));
    }
    // Stored as record batches v2, keeping the producers' codecs.
    const raw = await RawClient.connect(node.kafkaPort);
    try {
      const data = await raw.fetchPartition('sarama', 0, 0, 1 << 20);
      const headers = splitBatches(data.records!).map((batch) => readBatchHeader(batch));
      expect(new Set(headers.map((h) => h.magic))).toEqual(new Set([2]));
      // sarama may split a send into several requests; the codecs appear in the order produced.
      const codecs = headers.map((h) => compressionOf(h.attributes)).filter((c, i, all) => c !== all[i - 1]);
      expect(codecs).toEqual([0, 2, 1, 3, 0]);
    } finally {
      raw.close();
    }
  });

  it("a sarama consumer group's OffsetCommit v1 survives a restart: nothing is delivered twice", async () => {
    const b = node.bootstrap;
    await client(['sarama-produce', b, 'grouped', '0.10.0.0', 'none', '10', 'g']);
    const first = await client(['sarama-group', b, 'grouped', 'old-sarama-group', '6']);
    expect(first.map((l) => l.offset)).toEqual([0, 1, 2, 3, 4, 5]);
    const second = await client(['sarama-group', b, 'grouped', 'old-sarama-group', '4']);
    expect(second.map((l) => l.offset)).toEqual([6, 7, 8, 9]);
  });

  it('kafka-go 0.2.1 produces (Produce v2, message format v1) and consumes (Fetch v2)', async () => {
    const b = node.bootstrap;
    await client(['kafkago-produce', b, 'kafkago', '5', 'kg']);
    const consumed = await client(['kafkago-consume', b, 'kafkago', '5']);
    expect(consumed.map((l) => [l.offset, l.key, l.value, l.timestamp])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [i, `k${i}`, `kg-${i}`, (1_700_000_000 + i) * 1000]),
    );
  });
});
