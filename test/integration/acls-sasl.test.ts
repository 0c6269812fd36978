// ACLs for users who log in: a real node whose only listener is SASL_PLAINTEXT (SCRAM-SHA-256 and
// -512), with bootstrap users admin (a super user), alice, bob and carol (who only reads). Nothing is allowed by
// default (allow.everyone.if.no.acl.found is off). admin creates ACLs with kafka-python 2.0.2's
// create_acls over SASL; alice and bob, with kafkajs and kafka-python, are then allowed and denied
// produce, consume, group use and topic creation as the ACLs say; a DENY for bob beats an ALLOW
// for everyone; prefixed patterns apply; Metadata shows each user only what they may describe;
// only the super user may administer ACLs and is never refused.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaPython, kafkaPythonAvailable, type PyAcl } from '../helpers/kafka-python-acls.js';
import { freePort, startSingleNode, stopAll } from '../helpers/node-process.js';
import { requireTool } from '../helpers/tools.js';

const run = requireTool('python3-kafka (kafka-python 2.0.2 under /usr/bin/python3)', kafkaPythonAvailable);
const PASSWORDS = { admin: 'admin-pw', alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw' } as const;
type User = keyof typeof PASSWORDS;

describe.runIf(run)('ACLs for SASL users', () => {
  let port: number;
  const admins: Admin[] = [];

  const kafkaAs = (user: User, mechanism: 'scram-sha-256' | 'scram-sha-512' = 'scram-sha-256') =>
    new Kafka({
      clientId: `acl-${user}`,
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100 },
      sasl:
        mechanism === 'scram-sha-256'
          ? { mechanism, username: user, password: PASSWORDS[user] }
          : { mechanism, username: user, password: PASSWORDS[user] },
    });

  const pythonAs = (user: User) => ({
    KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_USER: user,
    KAFKA_PASSWORD: PASSWORDS[user],
  });

  async function adminAs(user: User): Promise<Admin> {
    const admin = kafkaAs(user).admin();
    await admin.connect();
    admins.push(admin);
    return admin;
  }

  async function send(user: User, topic: string): Promise<string> {
    const producer = kafkaAs(user).producer({ allowAutoTopicCreation: true, retry: { retries: 2 } });
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ value: `${user} to ${topic}` }] });
      return 'ok';
    } catch (err) {
      return errorType(err);
    } finally {
      await producer.disconnect();
    }
  }

  const bootstrap = () => `127.0.0.1:${port}`;

  beforeAll(async () => {
    port = await freePort();
    await startSingleNode({
      kafkaPort: port,
      listeners: `SASL_PLAINTEXT://127.0.0.1:${port}`,
      extraArgs: ['--super-users', 'User:admin'],
      env: {
        BROOK_BOOTSTRAP_USERS: Object.entries(PASSWORDS)
          .map(([u, p]) => `${u}:${p}`)
          .join(','),
      },
    });
  });

  afterAll(async () => {
    for (const admin of admins) await admin.disconnect();
    await stopAll();
  });

  it('lets the super user do anything before any ACL exists, and nobody else', async () => {
    expect(await send('admin', 'shared')).toBe('ok');
    expect(await send('admin', 'public')).toBe('ok');
    expect(await send('alice', 'shared')).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await (await adminAs('bob')).listTopics()).toEqual([]);
  });

  it('takes ACLs from the super user’s kafka-python create_acls over SASL, and refuses them from alice', async () => {
    const allow = (principal: string, operation: string, resource_type: PyAcl['resource_type'], name: string) =>
      ({ principal, operation, permission: 'ALLOW', resource_type, resource_name: name }) satisfies PyAcl;
    const acls: PyAcl[] = [
      { ...allow('User:alice', 'ALL', 'TOPIC', 'alice-'), pattern: 'PREFIXED' },
      allow('User:alice', 'READ', 'TOPIC', 'shared'),
      allow('User:alice', 'READ', 'GROUP', 'alice-group'),
      allow('User:alice', 'IDEMPOTENT_WRITE', 'CLUSTER', 'kafka-cluster'),
      allow('User:*', 'READ', 'TOPIC', 'public'),
      allow('User:*', 'READ', 'GROUP', 'public-group'),
      { ...allow('User:bob', 'READ', 'TOPIC', 'public'), permission: 'DENY' },
      allow('User:bob', 'WRITE', 'TOPIC', 'shared'),
    ];
    const created = await kafkaPython<{ succeeded: PyAcl[]; failed: unknown[] }>(
      ['create', bootstrap(), JSON.stringify(acls)],
      pythonAs('admin'),
    );
    expect(created.failed).toEqual([]);
    expect(created.succeeded).toHaveLength(acls.length);
    for (const acl of acls) expect(created.succeeded).toContainEqual({ host: '*', pattern: 'LITERAL', ...acl });
    const refused = await kafkaPython<{ failed: [PyAcl, string][] }>(
      ['create', bootstrap(), JSON.stringify([allow('User:alice', 'ALL', 'TOPIC', '*')])],
      pythonAs('alice'),
    );
    expect(refused.failed.map(([, error]) => error)).toEqual(['ClusterAuthorizationFailedError']);
    const aliceAdmin = await adminAs('alice');
    await expect(
      aliceAdmin.describeAcls({ resourceType: 1, resourcePatternType: 1, operation: 1, permissionType: 1 }),
    ).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
  });

  it('allows and denies produce per user: prefixed ALLOW, WRITE granted to one user only', async () => {
    expect(await send('alice', 'alice-orders')).toBe('ok');
    expect(await send('alice', 'shared')).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await send('bob', 'shared')).toBe('ok');
    expect(await send('bob', 'alice-orders')).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await kafkaPython(['produce', bootstrap(), 'alice-more'], pythonAs('alice'))).toEqual({ ok: true });
    expect(await kafkaPython(['produce', bootstrap(), 'shared'], pythonAs('alice'))).toEqual({
      error: 'TopicAuthorizationFailedError',
    });
  });

  it('allows consuming with READ on the topic and the group; a DENY for bob beats the ALLOW for everyone', async () => {
    expect(await kafkaPython(['consume', bootstrap(), 'shared', 'alice-group'], pythonAs('alice'))).toEqual({
      values: ['admin to shared', 'bob to shared'],
    });
    expect(await kafkaPython(['consume', bootstrap(), 'shared', 'other-group'], pythonAs('alice'))).toEqual({
      error: 'GroupAuthorizationFailedError',
    });
    expect(await kafkaPython(['consume', bootstrap(), 'public', 'public-group'], pythonAs('alice'))).toEqual({
      values: ['admin to public'],
    });
    const bobReads = await kafkaPython<{ error?: string }>(
      ['consume', bootstrap(), 'public', 'public-group'],
      pythonAs('bob'),
    );
    expect(bobReads.error).toBe('TopicAuthorizationFailedError');
  });

  it('shows each user in Metadata only the topics they may describe, and creates only where CREATE is allowed', async () => {
    const alice = await adminAs('alice');
    const bob = await adminAs('bob');
    const admin = await adminAs('admin');
    expect((await alice.listTopics()).sort()).toEqual(['alice-more', 'alice-orders', 'public', 'shared']);
    // bob's DENY of READ on public does not deny DESCRIBE, which everyone's ALLOW of READ implies.
    expect((await bob.listTopics()).sort()).toEqual(['public', 'shared']);
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(['__consumer_offsets', 'alice-orders', 'public']));
    expect(await alice.createTopics({ topics: [{ topic: 'alice-created' }] })).toBe(true);
    await expect(bob.createTopics({ topics: [{ topic: 'bob-created' }] })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'TOPIC_AUTHORIZATION_FAILED' })],
    });
    expect(await admin.createTopics({ topics: [{ topic: 'anything' }] })).toBe(true);
  });

  it('authorizes idempotent producers by IDEMPOTENT_WRITE on the cluster or WRITE on some topic', async () => {
    const idempotent = async (user: User, topic: string) => {
      const producer = kafkaAs(user, 'scram-sha-512').producer({ idempotent: true, retry: { retries: 1 } });
      try {
        await producer.connect();
        await producer.send({ topic, messages: [{ value: 'once' }] });
        return 'ok';
      } catch (err) {
        return errorType(err);
      } finally {
        await producer.disconnect();
      }
    };
    expect(await idempotent('alice', 'alice-orders')).toBe('ok');
    expect(await idempotent('bob', 'shared')).toBe('ok'); // WRITE on a topic is enough (KIP-679)
    expect(await idempotent('carol', 'public')).toBe('CLUSTER_AUTHORIZATION_FAILED');
  });
});

function errorType(err: unknown): string {
  const e = err as { type?: string; cause?: { type?: string }; message?: string };
  if (e.type) return e.type;
  if (e.cause?.type) return e.cause.type;
  return /authoriz/i.test(e.message ?? '') ? 'TOPIC_AUTHORIZATION_FAILED' : (e.message ?? String(err));
}
