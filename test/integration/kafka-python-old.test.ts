// Debian's kafka-python 2.0.2 pinned to old brokers with api_version, against one real node:
// 0.9 produces message format v0 (Produce v1; its lz4 with the broken header checksum of
// KAFKA-3160), 0.10 format v1 (Produce v2); 0.8.1 consumes with Fetch v0 and commits with
// OffsetCommit v0 / OffsetFetch v0, 0.8.2 with v1, 0.9 in a consumer group with Fetch v1. Each
// commit must survive a restart. test/fixtures/kafka-python-old.py is the client. Skipped with a
// printed reason when /usr/bin/python3 has no kafka module (apt-get install python3-kafka
// python3-lz4 python3-snappy python3-xxhash; .ci/run installs them).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { requireTool } from '../helpers/tools.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, '../fixtures/kafka-python-old.py');
const available =
  spawnSync(PYTHON, ['-c', 'import kafka, lz4.frame, snappy, xxhash'], { stdio: 'ignore' }).status === 0;
const run = requireTool('python3-kafka (with python3-lz4, python3-snappy, python3-xxhash)', available);

interface Line {
  offset: number;
  key?: string | null;
  value?: string | null;
  timestamp?: number | null;
}

describe.runIf(run)('kafka-python 2.0.2 with old api_version settings', () => {
  let node: NodeProcess;

  function client(args: readonly string[]): Promise<Line[]> {
    return new Promise((resolve, reject) => {
      const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        if (code !== 0) {
          reject(new Error(`${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString()}`));
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
    node = await startSingleNode();
  });

  afterAll(async () => {
    await stopAll();
  });

  const batches = [
    ['0.9', 'none', 'v0plain'],
    ['0.9', 'gzip', 'v0gzip'],
    ['0.9', 'snappy', 'v0snappy'],
    ['0.9', 'lz4', 'v0lz4'],
    ['0.10', 'lz4', 'v1lz4'],
    ['0.10', 'snappy', 'v1snappy'],
  ] as const;
  const values = batches.flatMap(([, , prefix]) => [0, 1, 2].map((i) => `${prefix}-${i}`));

  it('produces message formats v0 and v1 with every old codec; Fetch v0, v1 and v2 read them back', async () => {
    let next = 0;
    for (const [apiVersion, codec, prefix] of batches) {
      const produced = await client(['produce', node.bootstrap, 'kp', apiVersion, codec, '3', prefix]);
      expect(produced.map((l) => l.offset)).toEqual([next, next + 1, next + 2]);
      next += 3;
    }
    for (const apiVersion of ['0.8.1', '0.9', '0.10']) {
      const consumed = await client(['consume', node.bootstrap, 'kp', apiVersion, `read-${apiVersion}`, '18']);
      expect(consumed.map((l) => l.offset)).toEqual(values.map((_, i) => i));
      expect(consumed.map((l) => l.value)).toEqual(values);
      if (apiVersion === '0.10') {
        // Format v0 records have no timestamp (-1); format v1 keeps the producer's.
        expect(consumed.slice(0, 12).every((l) => l.timestamp === -1)).toBe(true);
        expect(consumed.slice(12, 15).map((l) => l.timestamp)).toEqual([0, 1, 2].map((i) => 1_700_000_000_000 + i));
      }
    }
  });

  it.each(['0.8.1', '0.8.2', '0.9'])('a commit made with api_version %s survives a restart', async (apiVersion) => {
    const group = `committed-${apiVersion}`;
    const first = await client(['consume', node.bootstrap, 'kp', apiVersion, group, '7']);
    expect(first.map((l) => l.offset)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const second = await client(['consume', node.bootstrap, 'kp', apiVersion, group, '4']);
    expect(second.map((l) => l.offset)).toEqual([7, 8, 9, 10]);
  });
});
