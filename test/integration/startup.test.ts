// Start-up of the real binary: --help lists every setting, a bad value stops start-up with one line
// naming the setting, and a second process on the same data directory is refused.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { envOf, SETTING_ROWS } from '../../src/common/settings/index.js';
import { startSingleNode, stopAll, tempDir } from '../helpers/node-process.js';

const entry = resolve(import.meta.dirname, '../../dist/node.js');

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [entry, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

afterAll(async () => {
  await stopAll();
});

describe('start-up', () => {
  it('lists every setting with its environment variable in --help', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    for (const flag of [
      '--node-id',
      '--cluster-nodes',
      '--data-dir',
      '--kafka-port',
      '--advertised-host',
      '--log-level',
      '--flush-messages',
      '--retention-ms',
      '--segment-bytes',
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('BROOK_DATA_DIR');
    // Every start-up setting of the registry, with its variable.
    for (const row of SETTING_ROWS) {
      if (row.flag === undefined) continue;
      expect(stdout).toContain(`${row.flag} <`);
      expect(stdout).toContain(envOf(row.flag));
    }
  });

  it.each([
    [['--kafka-port', '70000'], /kafka-port/],
    [['--node-id', 'abc'], /node-id/],
    [['--cluster-nodes', '1,x'], /cluster-nodes/],
    [['--log-level', 'loud'], /log-level/],
    [['--retention-ms', '-5'], /retention-ms/],
    [['--segment-bytes', '3000000000'], /segment-bytes must be an integer in \[1024, 2147483647\]/],
    [['--no-such-flag'], /no-such-flag/],
  ])('refuses %j with one line naming the setting', (args, pattern) => {
    const { code, stderr, stdout } = run(args, { BROOK_DATA_DIR: tempDir() });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });

  it('reads settings from BROOK_* environment variables and names a bad one', () => {
    const { code, stderr } = run([], { BROOK_FLUSH_MESSAGES: 'zero', BROOK_DATA_DIR: tempDir() });
    expect(code).toBe(2);
    expect(stderr).toMatch(/flush-messages/);
  });

  it('refuses a bad BROOK_* variable with one line naming the variable', () => {
    const { code, stderr, stdout } = run([], { BROOK_SEGMENT_BYTES: '3000000000', BROOK_DATA_DIR: tempDir() });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/BROOK_SEGMENT_BYTES/);
    expect(lines[0]).toMatch(/3000000000/);
  });

  it('refuses a second node on the same data directory', async () => {
    const node = await startSingleNode();
    const { code, stderr } = run([
      '--data-dir',
      node.dataDir,
      '--kafka-port',
      '0',
      '--http-port',
      '0',
      '--grpc-port',
      '0',
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot start/);
    expect(node.running).toBe(true);
  });
});
