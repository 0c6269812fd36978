// brook start: the node with the flags of dist/node.js, reached by the other brook commands; it
// stops cleanly on SIGTERM (exit 0) and keeps its data for the next start; a bad flag is one line
// and exit 2, as from dist/node.js.
import { afterAll, describe, expect, it } from 'vitest';
import { brook, shown, startBrook } from '../helpers/cli.js';
import { freePort, stopAll, tempDir, waitFor } from '../helpers/node-process.js';

afterAll(async () => {
  await stopAll();
});

async function startFlags(dataDir: string): Promise<{ flags: string[]; bootstrap: string }> {
  const [kafka, grpc, http] = [await freePort(), await freePort(), await freePort()];
  return {
    bootstrap: `127.0.0.1:${kafka}`,
    flags: [
      ...['start', '--node-id', '1', '--cluster-nodes', `1@127.0.0.1:${grpc}`, '--data-dir', dataDir],
      ...['--listen-host', '127.0.0.1', '--kafka-port', String(kafka), '--grpc-port', String(grpc)],
      ...['--http-port', String(http), '--offsets-topic-partitions', '3', '--log-level', 'warn'],
    ],
  };
}

describe('brook start', () => {
  it('runs a node the other commands reach, stops on SIGTERM, and keeps its data', async () => {
    const dataDir = tempDir();
    for (const round of [1, 2]) {
      const { flags, bootstrap } = await startFlags(dataDir);
      const node = startBrook(flags, { timeoutMs: 120_000 });
      try {
        const listed = await waitFor(
          'the node to answer',
          async () => {
            const result = await brook(['topic', 'list', '--output', 'json', '--bootstrap-server', bootstrap]);
            return result.code === 0 ? (JSON.parse(result.stdout) as { name: string }[]) : null;
          },
          60_000,
          200,
        );
        if (round === 1) {
          expect(listed).toEqual([]);
          const created = await brook([
            'topic',
            'create',
            'kept',
            '--partitions',
            '1',
            '--bootstrap-server',
            bootstrap,
          ]);
          expect(created.code, shown(created)).toBe(0);
          const produced = await brook(['produce', 'kept', '--bootstrap-server', bootstrap], { stdin: 'durable\n' });
          expect(produced.code, shown(produced)).toBe(0);
        } else {
          expect(listed.map((t) => t.name)).toEqual(['kept']);
          const read = await brook(
            ['consume', 'kept', '--from-beginning', '--exit-at-end', '--bootstrap-server', bootstrap],
            { timeoutMs: 30_000 },
          );
          expect(read.stdout).toBe('durable\n');
        }
      } finally {
        node.child.kill('SIGTERM');
      }
      const ended = await node.result;
      expect(ended.code, shown(ended)).toBe(0);
    }
  });

  it('refuses a bad flag with one line and exit 2', async () => {
    const bad = await brook(['start', '--kafka-port', 'ninety']);
    expect(bad.code, shown(bad)).toBe(2);
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^brook: .*kafka-port.*/);
    const unknown = await brook(['start', '--bogus']);
    expect(unknown.code, shown(unknown)).toBe(2);
    expect(unknown.stderr).toMatch(/^brook: .*--bogus/);
    const help = await brook(['start', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--kafka-port');
  });
});
