// The line protocol under ACLs: its clients are User:ANONYMOUS on a listener that authenticates
// nobody, so with authorizer.all.listeners they meet the ACLs as a PLAINTEXT Kafka client would.
// The ACLs are set with the brook CLI logged in over SASL as a super user.
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brook, shown } from '../helpers/cli.js';
import { freePort, startSingleNode, stopAll, tempDir } from '../helpers/node-process.js';

let linePort: number;
let asRoot: string[];

beforeAll(async () => {
  const saslPort = await freePort();
  linePort = await freePort();
  await startSingleNode({
    kafkaPort: saslPort,
    listeners: `SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
    extraArgs: [
      ...['--line-port', String(linePort), '--offsets-topic-partitions', '3'],
      ...['--super-users', 'User:root', '--authorizer-all-listeners', 'true'],
    ],
    env: { BROOK_BOOTSTRAP_USERS: 'root:root-pw' },
  });
  const props = join(tempDir('brook-line-acls-'), 'root.properties');
  writeFileSync(
    props,
    [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=SCRAM-SHA-256',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="root" password="root-pw";',
      '',
    ].join('\n'),
  );
  asRoot = ['--bootstrap-server', `127.0.0.1:${saslPort}`, '--command-config', props];
});

afterAll(async () => {
  await stopAll();
});

/** Sends `lines`, half-closes, and returns every answer line. */
function session(lines: readonly string[]): Promise<string[]> {
  return new Promise((resolveAnswers, reject) => {
    let text = '';
    const socket = connect({ host: '127.0.0.1', port: linePort }, () =>
      socket.end(lines.map((l) => `${l}\n`).join('')),
    );
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.once('error', reject);
    socket.once('close', () => resolveAnswers(text.trimEnd().split('\n')));
  });
}

describe('the line protocol under ACLs', () => {
  it('is refused without an ACL for User:ANONYMOUS and served with one', async () => {
    const created = await brook(['topic', 'create', 'guarded', '--partitions', '1', ...asRoot]);
    expect(created.code, shown(created)).toBe(0);
    const refused = await session(['PRODUCE guarded k v', 'CONSUME guarded 0 0']);
    expect(refused).toEqual([
      expect.stringMatching(/^ERR TOPIC_AUTHORIZATION_FAILED /),
      expect.stringMatching(/^ERR TOPIC_AUTHORIZATION_FAILED /),
    ]);

    const allowed = await brook([
      ...['acl', 'create', '--principal', 'User:ANONYMOUS', '--operation', 'WRITE,DESCRIBE', '--topic', 'guarded'],
      ...asRoot,
    ]);
    expect(allowed.code, shown(allowed)).toBe(0);
    const written = await session(['PRODUCE guarded k v', 'CONSUME guarded 0 0']);
    expect(written[0]).toBe('OK 0 0');
    // WRITE and DESCRIBE, not READ: the record is there, the reader may not see it.
    expect(written[1]).toMatch(/^ERR TOPIC_AUTHORIZATION_FAILED /);

    await brook([
      'acl',
      'create',
      '--principal',
      'User:ANONYMOUS',
      '--operation',
      'READ',
      '--topic',
      'guarded',
      ...asRoot,
    ]);
    expect(await session(['CONSUME guarded 0 0'])).toEqual([expect.stringMatching(/^RECORD 0 \d+ k v$/), 'END 1 1']);
  });
});
