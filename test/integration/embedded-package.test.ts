// Embedded Brook as a user gets it: `npm pack` of this checkout installed (offline) into a separate
// project beside kafkajs, and a program there (test/fixtures/embedded/app.mjs) that does
// `import { startBroker } from 'brook'`. It runs one durable node on a temporary directory (gone
// after stop()), one on a given directory that keeps its records across a restart, and a
// three-node in-process cluster with a topic replicated three times; the package's `brook` bin
// answers in the project too.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, stopAll } from '../helpers/node-process.js';
import { type PackedProject, packedProject } from '../helpers/packed-project.js';

const run = promisify(execFile);
const APP = resolve(import.meta.dirname, '../fixtures/embedded/app.mjs');
// npm pack, and npm ci building the page-cache addon, take minutes on a busy 2-core machine.
const INSTALL_TIMEOUT_MS = 600_000;
const APP_TIMEOUT_MS = 120_000;

let project: PackedProject;

beforeAll(() => {
  project = packedProject({ kafkajs: '^2.2.4' });
  copyFileSync(APP, join(project.dir, 'app.mjs'));
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  if (project) rmSync(project.dir, { recursive: true, force: true });
  await stopAll();
});

interface AppOutput {
  readonly bootstrap: string;
  readonly nodeIds: number[];
  readonly values: string[];
  readonly dataDirsLeft: number;
}

async function app(...args: string[]): Promise<AppOutput> {
  const { stdout } = await run(process.execPath, ['app.mjs', ...args], {
    cwd: project.dir,
    timeout: APP_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  // The program's one JSON line; the embedded nodes may log a line of their own after it while
  // they stop (logs go to stdout too).
  const line = stdout
    .trimEnd()
    .split('\n')
    .filter((l) => l.startsWith('{"bootstrap"'))
    .at(-1);
  if (line === undefined) throw new Error(`the program printed no result line:\n${stdout}`);
  return JSON.parse(line) as AppOutput;
}

describe('embedded Brook from the packed package', () => {
  it('installs as a dependency whose import is the built package, not this checkout', () => {
    expect(existsSync(join(project.dir, 'node_modules/brook/dist/index.js'))).toBe(true);
    expect(existsSync(join(project.dir, 'node_modules/brook/src'))).toBe(false);
  });

  it('starts a node on a free port and a temporary directory that stop() removes', async () => {
    const out = await app('1', '-');
    expect(out.values).toEqual(['a', 'b', 'c']);
    expect(out.nodeIds).toEqual([1]);
    expect(out.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(out.dataDirsLeft).toBe(0);
  });

  it('keeps a given directory, and its records across a restart', async () => {
    const dir = tempDir('brook-embedded-given-');
    const first = await app('1', dir, 'produce');
    expect(first.values).toEqual(['a', 'b', 'c']);
    expect(first.dataDirsLeft).toBe(1);
    const second = await app('1', dir, 'read');
    expect(second.values).toEqual(['a', 'b', 'c']);
    expect(existsSync(dir)).toBe(true);
  });

  it('starts a three-node cluster in one process and replicates a topic to all three', async () => {
    const out = await app('3', '-');
    expect(out.nodeIds).toEqual([1, 2, 3]);
    expect(out.bootstrap.split(',')).toHaveLength(3);
    expect(out.values).toEqual(['a', 'b', 'c']);
    expect(out.dataDirsLeft).toBe(0);
  });

  it('puts the brook command on the project’s bin path', async () => {
    const { stdout } = await run(join(project.dir, 'node_modules/.bin/brook'), ['--version'], { cwd: project.dir });
    expect(stdout.trim()).toBe('0.1.0');
  });
});
