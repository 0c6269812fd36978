// Real clients over real TLS against a real node: kafkajs, librdkafka (kcat and confluent-kafka)
// and kafka-python log in with SCRAM-SHA-256 and SCRAM-SHA-512 over SASL_SSL and produce and
// consume; kcat and kafkajs use TLS client certificates on an SSL listener. A wrong password, a
// client that does not trust the server's CA and a plaintext client on the TLS port are refused.
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CertFiles, makeTestCas, type TestCa } from '../helpers/certs.js';
import { kcat } from '../helpers/kcat.js';
import { freePort, startSingleNode, stopAll } from '../helpers/node-process.js';
import { pythonKafkaAvailable, pythonRoundTrip } from '../helpers/python-clients.js';
import { kcatAvailable, requireTool } from '../helpers/tools.js';

const runKcat = requireTool('kcat', kcatAvailable);
const runPython = requireTool('python3-confluent-kafka and python3-kafka', pythonKafkaAvailable);

let ca: TestCa;
let otherCa: TestCa;
let clientCert: CertFiles;
let saslSsl: number;
let ssl: number;
let plaintext: number;
const USERS = { 'SCRAM-SHA-256': ['app256', 'pw-256'], 'SCRAM-SHA-512': ['app512', 'pw-512'] } as const;
const MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

beforeAll(async () => {
  ({ ca, otherCa } = makeTestCas());
  const server = ca.issue('localhost', 'server');
  clientCert = ca.issue('cert-user');
  [saslSsl, ssl, plaintext] = [await freePort(), await freePort(), await freePort()];
  await startSingleNode({
    kafkaPort: saslSsl,
    listeners: `SASL_SSL://127.0.0.1:${saslSsl},SSL://127.0.0.1:${ssl},PLAINTEXT://127.0.0.1:${plaintext}`,
    extraArgs: [
      '--tls-cert',
      server.cert,
      '--tls-key',
      server.key,
      '--tls-ca',
      ca.cert,
      '--tls-client-auth',
      'required',
      // Authentication is what is tested here; what each may do is the ACL suites' business.
      '--super-users',
      'User:app256,User:app512,User:cert-user',
    ],
    env: { BROOK_BOOTSTRAP_USERS: `${USERS['SCRAM-SHA-256'].join(':')},${USERS['SCRAM-SHA-512'].join(':')}` },
  });
}, 60_000);

afterAll(stopAll);

function kafkajs(port: number, options: { sasl?: SASLOptions; ssl?: object } = {}): Kafka {
  return new Kafka({
    clientId: 'brook-security-test',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    retry: { retries: 2, initialRetryTime: 100 },
    ...options,
  });
}

async function kafkajsRoundTrip(client: Kafka, topic: string, count: number): Promise<string[]> {
  const producer = client.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ value: `m${i}` })) });
  await producer.disconnect();
  const consumer = client.consumer({ groupId: `g-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${values.length} of ${count}`)), 30_000);
    void consumer.run({
      eachMessage: ({ message }) => {
        values.push(message.value?.toString() ?? '');
        if (values.length === count) {
          clearTimeout(timer);
          resolve();
        }
        return Promise.resolve();
      },
    });
  });
  await consumer.disconnect();
  return values;
}

const expected = (count: number) => Array.from({ length: count }, (_, i) => `m${i}`);

describe('kafkajs', () => {
  for (const mechanism of MECHANISMS) {
    it(`${mechanism} over SASL_SSL: produces and consumes`, async () => {
      const [username, password] = USERS[mechanism];
      const client = kafkajs(saslSsl, {
        ssl: { ca: [readFileSync(ca.cert, 'utf8')] },
        sasl: { mechanism: mechanism === 'SCRAM-SHA-256' ? 'scram-sha-256' : 'scram-sha-512', username, password },
      });
      expect(await kafkajsRoundTrip(client, `kafkajs-${mechanism.toLowerCase()}`, 20)).toEqual(expected(20));
    });
  }

  it('with a client certificate on the SSL listener', async () => {
    const client = kafkajs(ssl, {
      ssl: {
        ca: [readFileSync(ca.cert, 'utf8')],
        cert: readFileSync(clientCert.cert),
        key: readFileSync(clientCert.key),
      },
    });
    expect(await kafkajsRoundTrip(client, 'kafkajs-client-cert', 5)).toEqual(expected(5));
  });

  it('is refused with a wrong password, and when it does not trust the server CA', async () => {
    const wrong = kafkajs(saslSsl, {
      ssl: { ca: [readFileSync(ca.cert, 'utf8')] },
      sasl: { mechanism: 'scram-sha-256', username: 'app256', password: 'not-the-password' },
    }).admin();
    await expect(wrong.connect()).rejects.toThrow(/SASL SCRAM SHA256 authentication failed|Authentication failed/i);
    const distrustful = kafkajs(saslSsl, {
      ssl: { ca: [readFileSync(otherCa.cert, 'utf8')] },
      sasl: { mechanism: 'scram-sha-256', username: 'app256', password: 'pw-256' },
    }).admin();
    await expect(distrustful.connect()).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });
});

describe.runIf(runKcat)('kcat (librdkafka)', () => {
  for (const mechanism of MECHANISMS) {
    it(`${mechanism} over SASL_SSL: produces and consumes`, async () => {
      const [username, password] = USERS[mechanism];
      const args = [
        '-b',
        `127.0.0.1:${saslSsl}`,
        '-X',
        'security.protocol=SASL_SSL',
        '-X',
        `sasl.mechanisms=${mechanism}`,
        '-X',
        `sasl.username=${username}`,
        '-X',
        `sasl.password=${password}`,
        '-X',
        `ssl.ca.location=${ca.cert}`,
      ];
      const topic = `kcat-${mechanism.toLowerCase()}`;
      const produced = await kcat([...args, '-P', '-t', topic], `${expected(10).join('\n')}\n`);
      expect(produced.code, produced.stderr).toBe(0);
      const consumed = await kcat([...args, '-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
      expect(consumed.stdout.trim().split('\n'), consumed.stderr).toEqual(expected(10));
    });
  }

  it('with a client certificate on the SSL listener', async () => {
    const args = [
      '-b',
      `127.0.0.1:${ssl}`,
      '-X',
      'security.protocol=SSL',
      '-X',
      `ssl.ca.location=${ca.cert}`,
      '-X',
      `ssl.certificate.location=${clientCert.cert}`,
      '-X',
      `ssl.key.location=${clientCert.key}`,
    ];
    const produced = await kcat([...args, '-P', '-t', 'kcat-client-cert'], 'a\nb\n');
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await kcat([...args, '-C', '-t', 'kcat-client-cert', '-o', 'beginning', '-e', '-q']);
    expect(consumed.stdout.trim().split('\n')).toEqual(['a', 'b']);
  });

  it('is refused with a wrong password, without a client certificate, and as a plaintext client on TLS', async () => {
    const wrong = await kcat(
      [
        '-b',
        `127.0.0.1:${saslSsl}`,
        '-X',
        'security.protocol=SASL_SSL',
        '-X',
        'sasl.mechanisms=SCRAM-SHA-512',
        '-X',
        'sasl.username=app512',
        '-X',
        'sasl.password=wrong',
        '-X',
        `ssl.ca.location=${ca.cert}`,
        '-m',
        '5',
        '-L',
      ],
      undefined,
      20_000,
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Authentication failed|SASL authentication error/i);
    const noCert = await kcat(
      ['-b', `127.0.0.1:${ssl}`, '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${ca.cert}`, '-m', '5', '-L'],
      undefined,
      20_000,
    );
    expect(noCert.code).not.toBe(0);
    const plain = await kcat(['-b', `127.0.0.1:${saslSsl}`, '-m', '5', '-L'], undefined, 20_000);
    expect(plain.code).not.toBe(0);
  });
});

describe.runIf(runPython)('Python clients', () => {
  for (const mechanism of MECHANISMS) {
    it(`confluent-kafka, ${mechanism} over SASL_SSL`, async () => {
      const [username, password] = USERS[mechanism];
      const result = await pythonRoundTrip({
        client: 'confluent',
        bootstrap: `127.0.0.1:${saslSsl}`,
        topic: `confluent-${mechanism.toLowerCase()}`,
        count: 10,
        config: {
          'security.protocol': 'SASL_SSL',
          'sasl.mechanism': mechanism,
          'sasl.username': username,
          'sasl.password': password,
          'ssl.ca.location': ca.cert,
        },
      });
      expect(result).toEqual({ produced: 10, consumed: expected(10) });
    });

    it(`kafka-python, ${mechanism} over SASL_SSL`, async () => {
      const [username, password] = USERS[mechanism];
      const result = await pythonRoundTrip({
        client: 'kafka-python',
        bootstrap: `127.0.0.1:${saslSsl}`,
        topic: `kafka-python-${mechanism.toLowerCase()}`,
        count: 10,
        config: {
          security_protocol: 'SASL_SSL',
          sasl_mechanism: mechanism,
          sasl_plain_username: username,
          sasl_plain_password: password,
          ssl_cafile: ca.cert,
        },
      });
      expect(result).toEqual({ produced: 10, consumed: expected(10) });
    });
  }

  it('kafka-python is refused with a wrong password', async () => {
    const result = await pythonRoundTrip({
      client: 'kafka-python',
      bootstrap: `127.0.0.1:${saslSsl}`,
      topic: 'kafka-python-refused',
      count: 1,
      config: {
        security_protocol: 'SASL_SSL',
        sasl_mechanism: 'SCRAM-SHA-256',
        sasl_plain_username: 'app256',
        sasl_plain_password: 'wrong',
        ssl_cafile: ca.cert,
        request_timeout_ms: 10_000,
        max_block_ms: 10_000,
      },
    });
    expect('error' in result ? result.error : 'no error').toMatch(/Authentication|NoBrokersAvailable|KafkaTimeout/i);
  });
});
