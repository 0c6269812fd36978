// ACLs with real clients against one real node whose PLAINTEXT listener is authorized
// (--authorizer-all-listeners: its clients are User:ANONYMOUS, as in Kafka with an authorizer)
// and where a resource no ACL names is open (--allow-everyone-if-no-acl-found). ACLs are created,
// described and deleted with kafka-python 2.0.2's admin client and kafkajs's; they allow and deny
// produce, consume, group use and topic creation; a DENY beats an ALLOW; prefixed patterns apply;
// Metadata hides what may not be described; ACLs survive a restart; a super user is unrestricted.
// The same checks for principals that authenticate (SASL users) are in acls-sasl.test.ts.
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type Admin,
} from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaPython, kafkaPythonAvailable, type PyAcl } from '../helpers/kafka-python-acls.js';
import { createNode, type NodeProcess, stopAll } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { requireTool } from '../helpers/tools.js';

const run = requireTool('python3-kafka (kafka-python 2.0.2 under /usr/bin/python3)', kafkaPythonAvailable);
const ANON = 'User:ANONYMOUS';
const AUTHORIZED = ['--authorizer-all-listeners', 'true', '--allow-everyone-if-no-acl-found', 'true'];

interface Created {
  succeeded: PyAcl[];
  failed: [PyAcl, string][];
}

describe.runIf(run)('ACLs on an authorized PLAINTEXT listener (User:ANONYMOUS)', () => {
  let node: NodeProcess;
  let kafka: Kafka;
  let admin: Admin;

  const connect = async (n: NodeProcess) => {
    kafka = new Kafka({
      clientId: 'acl-test',
      brokers: [n.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100 },
    });
    admin = kafka.admin();
    await admin.connect();
  };

  async function send(topic: string): Promise<string> {
    const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 2 } });
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ value: `to ${topic}` }] });
      return 'ok';
    } catch (err) {
      return errorType(err);
    } finally {
      await producer.disconnect();
    }
  }

  beforeAll(async () => {
    node = await createNode({ extraArgs: AUTHORIZED });
    await node.start();
    await connect(node);
  });

  afterAll(async () => {
    await admin?.disconnect();
    await stopAll();
  });

  it('allows everything while no ACL names a resource', async () => {
    for (const topic of ['orders', 'hidden', 'team-locked']) expect(await send(topic)).toBe('ok');
  });

  it('creates ACLs with kafka-python’s create_acls and kafkajs’s createAcls, refusing an invalid one', async () => {
    const acls: PyAcl[] = [
      ...['ALTER', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'IDEMPOTENT_WRITE'].map((operation): PyAcl => ({
        principal: ANON,
        operation,
        permission: 'ALLOW',
        resource_type: 'CLUSTER',
        resource_name: 'kafka-cluster',
      })),
      { principal: ANON, operation: 'READ', permission: 'ALLOW', resource_type: 'TOPIC', resource_name: 'orders' },
      {
        principal: ANON,
        operation: 'ALL',
        permission: 'ALLOW',
        resource_type: 'TOPIC',
        resource_name: 'team-',
        pattern: 'PREFIXED',
      },
      {
        principal: 'User:*',
        operation: 'WRITE',
        permission: 'DENY',
        resource_type: 'TOPIC',
        resource_name: 'team-locked',
      },
      { principal: ANON, operation: 'DESCRIBE', permission: 'DENY', resource_type: 'TOPIC', resource_name: 'hidden' },
      // The CLUSTER resource has one name.
      { principal: ANON, operation: 'ALTER', permission: 'ALLOW', resource_type: 'CLUSTER', resource_name: 'x' },
    ];
    const created = await kafkaPython<Created>(['create', node.bootstrap, JSON.stringify(acls)]);
    expect(created.succeeded).toHaveLength(acls.length - 1);
    expect(created.failed).toEqual([[expect.objectContaining({ resource_name: 'x' }), 'InvalidRequestError']]);

    await admin.createAcls({
      acl: [
        {
          resourceType: AclResourceTypes.GROUP,
          resourceName: 'blocked-group',
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: ANON,
          host: '*',
          operation: AclOperationTypes.READ,
          permissionType: AclPermissionTypes.DENY,
        },
        {
          resourceType: AclResourceTypes.TOPIC,
          resourceName: 'forbidden-',
          resourcePatternType: ResourcePatternTypes.PREFIXED,
          principal: 'User:*',
          host: '*',
          operation: AclOperationTypes.CREATE,
          permissionType: AclPermissionTypes.DENY,
        },
      ],
    });
    const described = await kafkaPython<{ acls: PyAcl[]; error: string }>(['describe', node.bootstrap]);
    expect(described.error).toBe('NoError');
    expect(described.acls).toHaveLength(acls.length - 1 + 2);
    const topics = await admin.describeAcls({
      resourceType: AclResourceTypes.TOPIC,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    expect(topics.resources.map((r) => r.resourceName).sort()).toEqual(
      ['forbidden-', 'hidden', 'orders', 'team-', 'team-locked'].sort(),
    );
  });

  it('denies produce without WRITE, allows it through a prefixed ALLOW, and lets a DENY beat an ALLOW', async () => {
    expect(await send('orders')).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await kafkaPython(['produce', node.bootstrap, 'orders'])).toEqual({
      error: 'TopicAuthorizationFailedError',
    });
    expect(await send('team-a.events')).toBe('ok');
    expect(await send('team-locked')).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await kafkaPython(['produce', node.bootstrap, 'team-locked'])).toEqual({
      error: 'TopicAuthorizationFailedError',
    });
  });

  it('allows consuming with READ, and refuses a group its principal may not READ', async () => {
    expect(await kafkaPython(['consume', node.bootstrap, 'orders', 'readers'])).toEqual({ values: ['to orders'] });
    expect(await kafkaPython(['consume', node.bootstrap, 'orders', 'blocked-group'])).toEqual({
      error: 'GroupAuthorizationFailedError',
    });
  });

  it('hides from Metadata what may not be described, whether asked for all topics or by name', async () => {
    const listed = await admin.listTopics();
    expect(listed).toEqual(expect.arrayContaining(['orders', 'team-a.events', 'team-locked']));
    expect(listed).not.toContain('hidden');
    await expect(admin.fetchTopicMetadata({ topics: ['hidden'] })).rejects.toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    // Metadata v8 reports what may be done with each topic it shows.
    const raw = await RawClient.connect(node.kafkaPort);
    try {
      const response = await raw.request(3, 8, {
        topics: [{ name: 'orders' }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: true,
        includeTopicAuthorizedOperations: true,
      });
      const topic = (response['topics'] as { name: string; topicAuthorizedOperations: number }[])[0]!;
      expect(topic.topicAuthorizedOperations).toBe((1 << AclOperationTypes.READ) | (1 << AclOperationTypes.DESCRIBE));
      expect(response['clusterAuthorizedOperations']).toBe(
        (1 << AclOperationTypes.ALTER) |
          (1 << AclOperationTypes.DESCRIBE) |
          (1 << AclOperationTypes.DESCRIBE_CONFIGS) |
          (1 << AclOperationTypes.IDEMPOTENT_WRITE),
      );
    } finally {
      raw.close();
    }
  });

  it('creates topics only where CREATE is allowed', async () => {
    await expect(admin.createTopics({ topics: [{ topic: 'forbidden-x' }] })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'TOPIC_AUTHORIZATION_FAILED' })],
    });
    expect(await admin.createTopics({ topics: [{ topic: 'team-new' }, { topic: 'free-new' }] })).toBe(true);
  });

  it('ignores an ACL of another principal, and takes a deleted ACL away at once', async () => {
    await admin.createAcls({
      acl: [
        {
          resourceType: AclResourceTypes.TOPIC,
          resourceName: 'orders',
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: 'User:alice',
          host: '*',
          operation: AclOperationTypes.WRITE,
          permissionType: AclPermissionTypes.ALLOW,
        },
      ],
    });
    expect(await send('orders')).toBe('TOPIC_AUTHORIZATION_FAILED');
    const deleted = await kafkaPython<{ deleted: PyAcl[]; error: string }[]>([
      'delete',
      node.bootstrap,
      JSON.stringify({ resource_type: 'TOPIC', resource_name: 'team-locked', pattern: 'LITERAL' }),
    ]);
    expect(deleted).toEqual([
      { deleted: [expect.objectContaining({ resource_name: 'team-locked' })], error: 'NoError' },
    ]);
    expect(await send('team-locked')).toBe('ok');
  });

  it('keeps its ACLs across a restart, and lets a super user do anything', async () => {
    await admin.disconnect();
    await node.stop();
    const restarted = await createNode({
      dataDir: node.dataDir,
      kafkaPort: node.kafkaPort,
      grpcPort: node.grpcPort,
      httpPort: node.httpPort,
      extraArgs: [...AUTHORIZED, '--super-users', ANON],
    });
    await restarted.start();
    node = restarted;
    await connect(restarted);
    const described = await kafkaPython<{ acls: PyAcl[] }>(['describe', node.bootstrap]);
    expect(described.acls.map((a) => a.resource_name)).toEqual(expect.arrayContaining(['orders', 'hidden']));
    expect(await send('orders')).toBe('ok');
    expect(await admin.listTopics()).toContain('hidden');
    expect(await kafkaPython(['consume', node.bootstrap, 'hidden', 'blocked-group'])).toEqual({
      values: ['to hidden'],
    });
  });
});

function errorType(err: unknown): string {
  const e = err as { type?: string; cause?: { type?: string }; message?: string };
  if (e.type) return e.type;
  if (e.cause?.type) return e.cause.type;
  return /authoriz/i.test(e.message ?? '') ? 'TOPIC_AUTHORIZATION_FAILED' : (e.message ?? String(err));
}
