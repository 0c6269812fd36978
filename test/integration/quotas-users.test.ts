// Quotas per user, for users who log in (SCRAM over SASL_PLAINTEXT): a producer_byte_rate quota on
// user alice, set by the super user with @platformatic/kafka's alterClientQuotas, holds alice's
// kafkajs producer to its rate within 10 % whatever client id it uses, while bob, producing at the
// same time with the same client id, is not held to it. A default-user quota applies to a user
// without a quota of their own, and a user's own quota takes precedence over it.
import { Admin } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startSingleNode, stopAll } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

const QUOTA_BYTES_PER_S = 512 * 1024;
const RUN_MS = 20_000;
const PACE_MS = 20;
const BATCH = Array.from({ length: 16 }, (_, i) => ({ value: Buffer.alloc(4096, i) }));
const BATCH_BYTES = BATCH.reduce((sum, m) => sum + m.value.length, 0);
const PASSWORDS = { admin: 'admin-pw', alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw' } as const;
type User = keyof typeof PASSWORDS;

describe('quotas per SASL user', () => {
  let port: number;
  let admin: Admin;

  const kafkaAs = (user: User) =>
    new Kafka({
      clientId: 'same-app',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      sasl: { mechanism: 'scram-sha-256', username: user, password: PASSWORDS[user] },
    });

  beforeAll(async () => {
    port = await freePort();
    await startSingleNode({
      kafkaPort: port,
      listeners: `SASL_PLAINTEXT://127.0.0.1:${port}`,
      extraArgs: ['--super-users', 'User:admin', '--allow-everyone-if-no-acl-found', 'true', '--quota-window-num', '3'],
      env: {
        BROOK_BOOTSTRAP_USERS: Object.entries(PASSWORDS)
          .map(([u, p]) => `${u}:${p}`)
          .join(','),
      },
    });
    admin = new Admin({
      clientId: 'quota-admin',
      bootstrapBrokers: [`127.0.0.1:${port}`],
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'admin', password: PASSWORDS.admin },
    });
    await admin.alterClientQuotas({
      entries: [
        {
          entities: [{ entityType: 'user', entityName: 'alice' }],
          ops: [{ key: 'producer_byte_rate', value: QUOTA_BYTES_PER_S, remove: false }],
        },
        {
          entities: [{ entityType: 'user', entityName: null }],
          ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }],
        },
        {
          entities: [{ entityType: 'user', entityName: 'bob' }],
          ops: [{ key: 'producer_byte_rate', value: 1e9, remove: false }],
        },
      ],
    });
  });

  afterAll(async () => {
    await admin?.close();
    await stopAll();
  });

  it('hold one user to the user’s byte rate within 10 % and leave another user unaffected', async () => {
    const alice = kafkaAs('alice').producer({ allowAutoTopicCreation: true });
    const bob = kafkaAs('bob').producer({ allowAutoTopicCreation: true });
    await alice.connect();
    await bob.connect();
    await alice.send({ topic: 'alice-t', messages: [{ value: 'warm' }] });
    await bob.send({ topic: 'bob-t', messages: [{ value: 'warm' }] });
    const startedMs = Date.now();
    const sendFor = async (producer: typeof alice, topic: string, paceMs: number) => {
      const acks: number[] = [];
      while (Date.now() - startedMs < RUN_MS) {
        const sentMs = Date.now();
        await producer.send({ topic, acks: 1, messages: BATCH });
        acks.push(Date.now() - startedMs);
        const leftMs = paceMs - (Date.now() - sentMs);
        if (leftMs > 0) await new Promise((resolve) => setTimeout(resolve, leftMs));
      }
      return acks;
    };
    const [aliceAcks, bobAcks] = await Promise.all([sendFor(alice, 'alice-t', 0), sendFor(bob, 'bob-t', PACE_MS)]);
    await alice.disconnect();
    await bob.disconnect();
    const rate = (acks: readonly number[]) => (acks.length * BATCH_BYTES) / (acks.at(-1)! / 1000);
    const aliceRate = rate(aliceAcks);
    const bobRate = rate(bobAcks);
    console.log(
      `user quota ${QUOTA_BYTES_PER_S} B/s: alice ${aliceRate.toFixed(0)} B/s ` +
        `(${(aliceRate / QUOTA_BYTES_PER_S).toFixed(3)} of it), bob ${bobRate.toFixed(0)} B/s`,
    );
    expect(aliceRate / QUOTA_BYTES_PER_S).toBeGreaterThan(0.9);
    expect(aliceRate / QUOTA_BYTES_PER_S).toBeLessThan(1.1);
    expect(bobRate).toBeGreaterThan(3 * QUOTA_BYTES_PER_S);
  });

  it('apply the default-user quota to a user without one of their own', async () => {
    const carol = await RawClient.open(port, {
      sasl: { mechanism: 'SCRAM-SHA-256', user: 'carol', password: PASSWORDS.carol },
    });
    try {
      const produce = () =>
        carol.request<{ throttleTimeMs: number }>(0, 7, {
          transactionalId: null,
          acks: 1,
          timeoutMs: 10_000,
          topicData: [{ name: 'carol-t', partitionData: [{ index: 0, records: null }] }],
        });
      // Each request's bytes count, even a refused one: 1 KiB/s is soon exceeded.
      let throttleTimeMs = 0;
      for (let i = 0; i < 50 && throttleTimeMs === 0; i++) throttleTimeMs = (await produce()).throttleTimeMs;
      expect(throttleTimeMs).toBeGreaterThan(0);
    } finally {
      carol.close();
    }
  });
});
