// brook user and brook acl against a real node with two listeners: PLAINTEXT, where the CLI
// works (a listener that authenticates nobody is not authorized, by default), and SASL_PLAINTEXT,
// where kafkajs logs in as the users the CLI made and meets the ACLs the CLI set. A user created
// by the CLI can log in (with SCRAM-SHA-256 or -512), a wrong password cannot, a deleted user no
// longer can; alice's produce is refused until an ACL allows it, and again once it is deleted.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brook, shown } from '../helpers/cli.js';
import { makeTestCas, type TestCa } from '../helpers/certs.js';
import { freePort, startSingleNode, stopAll, tempDir } from '../helpers/node-process.js';

let at: string[];
let saslPort: number;
let saslSslPort: number;
let ca: TestCa;
let otherCa: TestCa;

beforeAll(async () => {
  const plainPort = await freePort();
  saslPort = await freePort();
  saslSslPort = await freePort();
  ({ ca, otherCa } = makeTestCas());
  const server = ca.issue('localhost', 'server');
  await startSingleNode({
    kafkaPort: plainPort,
    listeners:
      `PLAINTEXT://127.0.0.1:${plainPort},SASL_PLAINTEXT://127.0.0.1:${saslPort},` +
      `SASL_SSL://127.0.0.1:${saslSslPort}`,
    extraArgs: [
      ...['--offsets-topic-partitions', '3', '--super-users', 'User:root'],
      ...['--tls-cert', server.cert, '--tls-key', server.key],
    ],
  });
  at = ['--bootstrap-server', `127.0.0.1:${plainPort}`];
});

afterAll(async () => {
  await stopAll();
});

/** kafkajs' error, with the Kafka error type of its cause when it wraps one. */
function errorType(err: unknown): string {
  const e = err as { type?: string; name?: string; cause?: unknown; originalError?: unknown };
  if (e.type !== undefined) return e.type;
  const inner = e.cause ?? e.originalError;
  return inner !== undefined ? errorType(inner) : (e.name ?? String(err));
}

/** Produces one record as `user` over SASL: 'ok' or the error's type. */
async function produceAs(
  user: string,
  password: string,
  topic: string,
  mechanism: 'scram-sha-256' | 'scram-sha-512' = 'scram-sha-256',
): Promise<string> {
  const kafka = new Kafka({
    clientId: `cli-security-${user}`,
    brokers: [`127.0.0.1:${saslPort}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    sasl:
      mechanism === 'scram-sha-256' ? { mechanism, username: user, password } : { mechanism, username: user, password },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  try {
    await producer.connect();
    await producer.send({ topic, messages: [{ value: `${user} was here` }] });
    return 'ok';
  } catch (err) {
    return errorType(err);
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

describe('brook user', () => {
  it('creates users who can log in, lists them, changes a password and deletes them', async () => {
    const created = await brook(['user', 'create', 'alice', '--password', 'alice-pw', ...at]);
    expect(created.code, shown(created)).toBe(0);
    expect(created.stdout).toBe('user alice has a SCRAM-SHA-256 password\n');
    const fromStdin = await brook(
      ['user', 'create', 'bob', '--password-stdin', '--mechanism', 'SCRAM-SHA-512', ...at],
      {
        stdin: 'bob-pw\n',
      },
    );
    expect(fromStdin.code, shown(fromStdin)).toBe(0);

    const listed = await brook(['user', 'list', '--output', 'json', ...at]);
    expect(JSON.parse(listed.stdout)).toEqual([
      { user: 'alice', mechanism: 'SCRAM-SHA-256', iterations: 8192 },
      { user: 'bob', mechanism: 'SCRAM-SHA-512', iterations: 8192 },
    ]);
    const table = await brook(['user', 'list', ...at]);
    expect(table.stdout).toMatch(
      /^USER\s+MECHANISM\s+ITERATIONS\nalice\s+SCRAM-SHA-256\s+8192\nbob\s+SCRAM-SHA-512\s+8192\n$/,
    );

    await brook(['topic', 'create', 'open', '--partitions', '1', ...at]);
    // Logged in but not authorized: the credential works, the ACLs are not there yet.
    expect(await produceAs('alice', 'alice-pw', 'open')).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await produceAs('alice', 'wrong', 'open')).toMatch(/SASL|Authentication/i);
    expect(await produceAs('bob', 'bob-pw', 'open', 'scram-sha-512')).toBe('TOPIC_AUTHORIZATION_FAILED');

    const changed = await brook(['user', 'create', 'alice', '--password', 'new-pw', ...at]);
    expect(changed.code, shown(changed)).toBe(0);
    expect(await produceAs('alice', 'alice-pw', 'open')).toMatch(/SASL|Authentication/i);

    const deleted = await brook(['user', 'delete', 'bob', ...at]);
    expect(deleted.code, shown(deleted)).toBe(0);
    expect(deleted.stdout).toBe('deleted SCRAM-SHA-512 of user bob\n');
    expect(await produceAs('bob', 'bob-pw', 'open', 'scram-sha-512')).toMatch(/SASL|Authentication/i);
    const after = await brook(['user', 'list', '--output', 'json', ...at]);
    expect((JSON.parse(after.stdout) as { user: string }[]).map((u) => u.user)).toEqual(['alice']);
  });

  it('answers bad input with one line and a non-zero exit', async () => {
    const cases: [string[], number, RegExp][] = [
      [['user', 'delete', 'nobody'], 1, /^brook: user nobody: RESOURCE_NOT_FOUND: .*\n$/],
      [['user', 'create', 'carol'], 1, /^brook: give one of --password and --password-stdin\n$/],
      [['user', 'create', 'carol', '--password', 'x', '--mechanism', 'MD5'], 2, /--mechanism.*MD5/],
      [['user', 'create', 'carol', '--password', 'x', '--iterations', '10'], 2, /--iterations.*is invalid/],
    ];
    for (const [args, code, stderr] of cases) {
      const result = await brook([...args, ...at]);
      expect(result.code, `${args.join(' ')}\n${shown(result)}`).toBe(code);
      expect(result.stderr, args.join(' ')).toMatch(stderr);
    }
  });
});

describe('brook acl', () => {
  it('creates, lists and deletes ACLs that decide what a SASL user may do', async () => {
    await brook(['topic', 'create', 'orders', '--partitions', '1', ...at]);
    expect(await produceAs('alice', 'new-pw', 'orders')).toBe('TOPIC_AUTHORIZATION_FAILED');

    const created = await brook(
      ['acl', 'create', '--principal', 'User:alice', '--operation', 'WRITE,DESCRIBE', '--topic', 'orders', ...at],
      {},
    );
    expect(created.code, shown(created)).toBe(0);
    expect(created.stdout).toBe(
      'created ALLOW User:alice WRITE on TOPIC orders (LITERAL) from *\n' +
        'created ALLOW User:alice DESCRIBE on TOPIC orders (LITERAL) from *\n',
    );
    const prefixed = await brook(
      [
        'acl',
        'create',
        '--principal',
        'User:*',
        '--operation',
        'READ',
        '--group',
        'team-',
        '--prefixed',
        '--deny',
        ...at,
      ],
      {},
    );
    expect(prefixed.code, shown(prefixed)).toBe(0);
    expect(await produceAs('alice', 'new-pw', 'orders')).toBe('ok');

    const all = await brook(['acl', 'list', '--output', 'json', ...at]);
    expect(
      (JSON.parse(all.stdout) as { principal: string; operation: string; resourceName: string; permission: string }[])
        .map((a) => `${a.permission} ${a.principal} ${a.operation} ${a.resourceName}`)
        .sort(),
    ).toEqual(['ALLOW User:alice DESCRIBE orders', 'ALLOW User:alice WRITE orders', 'DENY User:* READ team-']);
    const aliceOnly = await brook(['acl', 'list', '--principal', 'User:alice', '--operation', 'WRITE', ...at]);
    expect(aliceOnly.stdout).toMatch(/^PRINCIPAL\s+HOST\s+OPERATION\s+PERMISSION\s+RESOURCE\s+NAME\s+PATTERN\n/);
    expect(aliceOnly.stdout).toMatch(/^User:alice\s+\*\s+WRITE\s+ALLOW\s+TOPIC\s+orders\s+LITERAL$/m);
    expect(aliceOnly.stdout.trimEnd().split('\n')).toHaveLength(2);

    const deleted = await brook(['acl', 'delete', '--principal', 'User:alice', '--topic', 'orders', ...at]);
    expect(deleted.code, shown(deleted)).toBe(0);
    expect(deleted.stderr).toBe('deleted 2 ACLs\n');
    expect(await produceAs('alice', 'new-pw', 'orders')).toBe('TOPIC_AUTHORIZATION_FAILED');
    const left = await brook(['acl', 'list', '--output', 'json', ...at]);
    expect((JSON.parse(left.stdout) as { principal: string }[]).map((a) => a.principal)).toEqual(['User:*']);
  });

  it('answers bad input with one line and a non-zero exit', async () => {
    const cases: [string[], number, RegExp][] = [
      [['acl', 'create', '--principal', 'User:a', '--operation', 'READ'], 1, /^brook: name the resource/],
      [['acl', 'create', '--topic', 't', '--operation', 'READ'], 1, /^brook: name the principal/],
      [['acl', 'create', '--principal', 'User:a', '--topic', 't'], 1, /^brook: name the operations/],
      [
        ['acl', 'create', '--principal', 'User:a', '--topic', 't', '--group', 'g', '--operation', 'READ'],
        1,
        /give one of/,
      ],
      [['acl', 'create', '--principal', 'alice', '--topic', 't', '--operation', 'READ'], 2, /User:alice or User:\*/],
      [['acl', 'create', '--principal', 'User:a', '--topic', 't', '--operation', 'FLY'], 2, /--operation.*one of ALL/],
      [['acl', 'delete'], 1, /^brook: name a resource or a principal: an empty filter would delete every ACL\n$/],
    ];
    for (const [args, code, stderr] of cases) {
      const result = await brook([...args, ...at]);
      expect(result.code, `${args.join(' ')}\n${shown(result)}`).toBe(code);
      expect(result.stderr, args.join(' ')).toMatch(stderr);
    }
  });
});

describe('brook over SASL and TLS (--command-config)', () => {
  function properties(name: string, lines: readonly string[]): string {
    const path = join(tempDir('brook-cli-props-'), name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }
  const jaas = (module: string, user: string, password: string) =>
    `sasl.jaas.config=org.apache.kafka.common.security.${module} required username="${user}" password="${password}";`;

  it('logs in with SCRAM over SASL_PLAINTEXT and SASL_SSL, and is refused with a wrong password', async () => {
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
      const made = await brook(['user', 'create', 'root', '--password', 'root-pw', '--mechanism', mechanism, ...at]);
      expect(made.code, shown(made)).toBe(0);
    }
    const scram = (password: string, mechanism = 'SCRAM-SHA-512') => [
      `sasl.mechanism=${mechanism}`,
      jaas('scram.ScramLoginModule', 'root', password),
    ];
    const plain = properties('sasl.properties', ['security.protocol=SASL_PLAINTEXT', ...scram('root-pw')]);
    const overSasl = ['--bootstrap-server', `127.0.0.1:${saslPort}`, '--command-config', plain];
    const created = await brook(['topic', 'create', 'secured', '--partitions', '1', ...overSasl]);
    expect(created.code, shown(created)).toBe(0);
    const produced = await brook(['produce', 'secured', ...overSasl], { stdin: 'over sasl\n' });
    expect(produced.code, shown(produced)).toBe(0);

    const tls = properties('sasl-ssl.properties', [
      'security.protocol=SASL_SSL',
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${ca.cert}`,
      ...scram('root-pw', 'SCRAM-SHA-256'),
    ]);
    const overTls = ['--bootstrap-server', `localhost:${saslSslPort}`, '--command-config', tls];
    const read = await brook(['consume', 'secured', '--from-beginning', '--exit-at-end', ...overTls], {
      timeoutMs: 30_000,
    });
    expect(read.code, shown(read)).toBe(0);
    expect(read.stdout).toBe('over sasl\n');

    const wrong = properties('wrong.properties', ['security.protocol=SASL_PLAINTEXT', ...scram('nope')]);
    const refused = await brook([
      'topic',
      'list',
      '--bootstrap-server',
      `127.0.0.1:${saslPort}`,
      '--command-config',
      wrong,
    ]);
    expect(refused.code, shown(refused)).toBe(1);
    expect(refused.stderr).toMatch(/^brook: .*SASL_AUTHENTICATION_FAILED.*\n$/);

    // A broker whose certificate this trust store does not vouch for is refused before any SASL.
    const untrusted = properties('untrusted.properties', [
      'security.protocol=SASL_SSL',
      `ssl.truststore.location=${otherCa.cert}`,
      ...scram('root-pw'),
      'default.api.timeout.ms=1000',
    ]);
    const mistrusted = await brook([
      ...['topic', 'list', '--bootstrap-server', `localhost:${saslSslPort}`, '--command-config', untrusted],
    ]);
    expect(mistrusted.code, shown(mistrusted)).toBe(1);
    expect(mistrusted.stderr).toMatch(/^brook: cannot reach any broker .*certificate/);
  });

  it('refuses what it cannot do with one line', async () => {
    const cases: [string[], RegExp][] = [
      [['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=GSSAPI'], /sasl\.mechanism must be one of PLAIN/],
      [['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=PLAIN'], /SASL needs a username and password/],
      [['security.protocol=SSL', 'ssl.truststore.location=/x.jks', 'ssl.truststore.type=JKS'], /JKS is not supported/],
      [['security.protocol=SSL', 'ssl.keystore.location=/x'], /client certificates .* are not supported/],
      [['security.protocol=KERBEROS'], /security\.protocol must be one of/],
    ];
    for (const [i, [lines, stderr]] of cases.entries()) {
      const file = properties(`bad${i}.properties`, lines);
      const result = await brook(['topic', 'list', '--command-config', file, ...at]);
      expect(result.code, `${lines.join(' ')}\n${shown(result)}`).toBe(1);
      expect(result.stderr, lines.join(' ')).toMatch(stderr);
    }
  });
});
