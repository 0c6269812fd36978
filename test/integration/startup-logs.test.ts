// What a person sees when a node starts: a handful of lines at info and one that says the node is
// ready with its addresses; JSON when stdout is not a terminal, pretty lines on one (or by
// --log-format). Per-partition lines (50 for __consumer_offsets) are debug.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNode, freePort, stopAll, tempDir, waitFor } from '../helpers/node-process.js';

const entry = resolve(import.meta.dirname, '../../dist/node.js');
/** A handful: raft state, leader, waiting for the quorum, registered, log manager, ready, offsets topic. */
const INFO_LINES_MAX = 10;

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

function jsonLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

afterAll(async () => {
  await stopAll();
});

describe('start-up logs', () => {
  it('prints a few JSON lines and a ready line with the addresses, at the first start and after a restart', async () => {
    const node = await createNode();
    for (const round of ['first start', 'restart']) {
      await node.start();
      // The offsets topic is created (and its 50 partitions opened) just after the ready line.
      await waitFor(
        '__consumer_offsets',
        async () => node.logs.includes('created __consumer_offsets') || round === 'restart',
      );
      await waitFor('its partitions led', async () => {
        const response = await fetch(`http://127.0.0.1:${node.httpPort}/partitions`);
        const body = (await response.json()) as { partitions: unknown[] };
        return body.partitions.length === 50;
      });
      expect(await node.stop()).toBe(0);
      const lines = jsonLines(node.logs);
      const info = lines.filter((l) => l.level >= 30);
      const atStart = info.slice(
        0,
        info.findIndex((l) => l.msg === 'shutdown requested'),
      );
      expect(atStart.length, `${round}:\n${atStart.map((l) => l.msg).join('\n')}`).toBeLessThanOrEqual(INFO_LINES_MAX);
      expect(atStart.filter((l) => /partition/.test(l.msg) && l.msg !== 'created __consumer_offsets')).toEqual([]);
      const ready = atStart.filter((l) => l.msg === 'Brook node ready');
      expect(ready).toHaveLength(1);
      expect(ready[0]).toMatchObject({
        kafka: [`PLAINTEXT://127.0.0.1:${node.kafkaPort}`],
        advertised: [`PLAINTEXT://127.0.0.1:${node.kafkaPort}`],
        console: `http://127.0.0.1:${node.httpPort}/`,
        metrics: `http://127.0.0.1:${node.httpPort}/metrics`,
      });
    }
  });

  it('keeps the per-partition lines at debug', async () => {
    const node = await createNode({ env: { BROOK_LOG_LEVEL: 'debug' } });
    await node.start();
    await waitFor('50 partitions led', async () => (node.logs.match(/"leading partition"/g) ?? []).length === 50);
    const lines = jsonLines(node.logs);
    const perPartition = lines.filter((l) => l.msg === 'leading partition' || l.msg === 'partition log opened');
    expect(perPartition.length).toBeGreaterThanOrEqual(100);
    expect(perPartition.every((l) => l.level === 20)).toBe(true);
    await node.stop();
  });

  it('prints pretty lines with --log-format pretty, and on a terminal with auto', async () => {
    const run = async (command: string, args: string[]): Promise<string> => {
      const child = spawn(command, args, { env: { ...process.env, BROOK_LOG_LEVEL: 'info' } });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      try {
        await waitFor('the ready line', async () => output.includes('Brook node ready'), 30_000);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
      return output;
    };
    const nodeArgs = async () => {
      const grpcPort = await freePort();
      return [
        entry,
        ...['--cluster-nodes', `1@127.0.0.1:${grpcPort}`, '--grpc-port', String(grpcPort)],
        ...['--kafka-port', String(await freePort()), '--http-port', String(await freePort())],
        ...['--data-dir', tempDir()],
      ];
    };
    const pretty = await run(process.execPath, [...(await nodeArgs()), '--log-format', 'pretty']);
    const readyLine = pretty.split('\n').find((line) => line.includes('Brook node ready'))!;
    expect(readyLine).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Brook node ready \{"clusterId"/);
    expect(() => JSON.parse(readyLine) as unknown).toThrow();
    // `script` runs the node on a pseudo-terminal: auto turns pretty (with colours) there.
    const quoted = (await nodeArgs()).map((a) => `'${a}'`).join(' ');
    const onTty = await run('script', ['-qec', `exec '${process.execPath}' ${quoted}`, '/dev/null']);
    const ttyLine = onTty.split('\n').find((line) => line.includes('Brook node ready'))!;
    expect(ttyLine).toContain('INFO');
    expect(ttyLine).not.toContain('"level"');
  });
});
