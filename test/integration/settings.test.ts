// Settings on one real node process, through real clients: a topic config out of range is refused
// with INVALID_CONFIG naming the key by CreateTopics, AlterConfigs and IncrementalAlterConfigs,
// and nothing reaches the metadata log; DescribeConfigs reports topics and the broker from the
// settings registry, with Kafka's config sources, synonyms, types and documentation.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { httpJson, sleep, startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

const TOPIC = 2;
const BROKER = 4;
const SOURCE = { topic: 1, staticBroker: 4, default: 5 };
const TOO_BIG = '3000000000';

let node: NodeProcess;
let admin: Admin;

beforeAll(async () => {
  // One broker setting given explicitly, so the broker's static source shows.
  node = await startSingleNode({ extraArgs: ['--segment-bytes', '2097152'] });
  const kafka = new Kafka({ clientId: 'brook-settings', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect().catch(() => undefined);
  await stopAll();
});

async function commitIndex(): Promise<number> {
  return (await httpJson<{ commitIndex: number }>(node, '/healthz')).commitIndex;
}

/**
 * The metadata log's commit index, once it has stood still for two seconds: start-up records (the
 * broker's registration, the leaders of `__consumer_offsets`) come in bursts with pauses between them
 * on a loaded machine, so one quiet half second is not enough to say they are all in.
 */
async function quietCommitIndex(): Promise<number> {
  let last = await commitIndex();
  let stillSinceMs = Date.now();
  for (let tries = 0; tries < 60; tries++) {
    await sleep(250);
    const now = await commitIndex();
    if (now !== last) {
      last = now;
      stillSinceMs = Date.now();
    } else if (Date.now() - stillSinceMs >= 2000) {
      return last;
    }
  }
  throw new Error('the metadata log never stood still');
}

async function withRaw<T>(run: (client: RawClient) => Promise<T>): Promise<T> {
  const client = await RawClient.connect(node.kafkaPort);
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

async function describeTopic(name: string) {
  const described = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: TOPIC, name }] });
  return new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e]));
}

describe('a topic config out of range is refused where it enters', () => {
  it('CreateTopics with segment.bytes=3000000000: INVALID_CONFIG naming the key, nothing committed', async () => {
    const committed = await quietCommitIndex();
    const error = (await admin
      .createTopics({
        topics: [{ topic: 'huge-segments', configEntries: [{ name: 'segment.bytes', value: TOO_BIG }] }],
      })
      .then(
        () => null,
        (err: unknown) => err,
      )) as { errors?: { type: string; message?: string }[] } | null;
    expect(error?.errors?.[0]?.type).toBe('INVALID_CONFIG');
    expect(await admin.listTopics()).not.toContain('huge-segments');
    expect(await commitIndex()).toBe(committed);
    // The raw answer names the key, as every admin refusal does.
    const raw = await withRaw((c) =>
      c.request<{ topics: { errorCode: number; errorMessage: string | null }[] }>(19, 5, {
        topics: [
          {
            name: 'huge-segments',
            numPartitions: 1,
            replicationFactor: 1,
            assignments: [],
            configs: [{ name: 'segment.bytes', value: TOO_BIG }],
          },
        ],
        timeoutMs: 5000,
        validateOnly: false,
      }),
    );
    expect(raw.topics[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(raw.topics[0]!.errorMessage).toMatch(/segment\.bytes=3000000000/);
    expect(await commitIndex()).toBe(committed);
  });

  it('AlterConfigs with segment.bytes=3000000000 gets INVALID_CONFIG, and the topic keeps its configs', async () => {
    await admin.createTopics({
      topics: [{ topic: 'altered', configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
      waitForLeaders: true,
    });
    const committed = await quietCommitIndex();
    const error = (await admin
      .alterConfigs({
        validateOnly: false,
        resources: [{ type: TOPIC, name: 'altered', configEntries: [{ name: 'segment.bytes', value: TOO_BIG }] }],
      })
      .then(
        () => null,
        (err: unknown) => err,
      )) as { type?: string } | null;
    expect(error?.type).toBe('INVALID_CONFIG');
    expect(await commitIndex()).toBe(committed);
    const configs = await describeTopic('altered');
    expect(configs.get('segment.bytes')?.configValue).toBe('2097152');
    expect(configs.get('retention.ms')?.configValue).toBe('3600000');
  });

  // A list append starts from the default, as Kafka's does.
  it('IncrementalAlterConfigs: an out-of-range set and an append to a non-list get INVALID_CONFIG', async () => {
    await admin.createTopics({ topics: [{ topic: 'incremental' }], waitForLeaders: true });
    const alter = (configs: { name: string; configOperation: number; value: string | null }[]) =>
      withRaw((c) =>
        c.request<{ responses: { errorCode: number; errorMessage: string | null }[] }>(44, 1, {
          resources: [{ resourceType: TOPIC, resourceName: 'incremental', configs }],
          validateOnly: false,
        }),
      );
    const committed = await quietCommitIndex();
    const tooBig = await alter([{ name: 'segment.bytes', configOperation: 0, value: TOO_BIG }]);
    expect(tooBig.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(tooBig.responses[0]!.errorMessage).toMatch(/segment\.bytes/);
    const notList = await alter([{ name: 'retention.ms', configOperation: 2, value: '5' }]);
    expect(notList.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(await commitIndex()).toBe(committed);
    const appended = await alter([{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }]);
    expect(appended.responses[0]).toMatchObject({ errorCode: ErrorCode.NONE });
    expect((await describeTopic('incremental')).get('cleanup.policy')?.configValue).toBe('delete,compact');
  });
});

describe('DescribeConfigs from the registry', () => {
  it("reports a topic's configs with Kafka's sources and broker synonyms", async () => {
    await admin.createTopics({
      topics: [{ topic: 'described', configEntries: [{ name: 'flush.messages', value: '100' }] }],
      waitForLeaders: true,
    });
    const configs = await describeTopic('described');
    expect(configs.get('flush.messages')).toMatchObject({ configValue: '100', configSource: SOURCE.topic });
    expect(configs.get('flush.messages')?.configSynonyms).toEqual([
      { configName: 'flush.messages', configValue: '100', configSource: SOURCE.topic },
      { configName: 'log.flush.interval.messages', configValue: '1', configSource: SOURCE.default },
    ]);
    expect(configs.get('segment.bytes')).toMatchObject({ configValue: '2097152', configSource: SOURCE.staticBroker });
    expect(configs.get('segment.bytes')?.configSynonyms).toEqual([
      { configName: 'log.segment.bytes', configValue: '2097152', configSource: SOURCE.staticBroker },
      { configName: 'log.segment.bytes', configValue: '1073741824', configSource: SOURCE.default },
    ]);
    expect(configs.get('cleanup.policy')).toMatchObject({ configValue: 'delete', isDefault: true, readOnly: false });
  });

  it("reports the broker's settings, read-only, with the given ones as static and the rest as defaults", async () => {
    const described = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: BROKER, name: '1' }] });
    const configs = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e]));
    expect(configs.get('log.segment.bytes')).toMatchObject({
      configValue: '2097152',
      configSource: SOURCE.staticBroker,
      readOnly: true,
    });
    expect(configs.get('broker.id')).toMatchObject({ configValue: '1', configSource: SOURCE.staticBroker });
    expect(configs.get('num.partitions')).toMatchObject({ configValue: '1', configSource: SOURCE.default });
    expect(configs.get('broker.session.timeout.ms')).toMatchObject({ configValue: '1000', isDefault: true });
    expect(configs.get('log.retention.ms')?.configSynonyms).toEqual([
      { configName: 'log.retention.ms', configValue: '604800000', configSource: SOURCE.default },
    ]);
  });

  it('gives config types and documentation from v3', async () => {
    const response = await withRaw((c) =>
      c.request<{
        results: { errorCode: number; configs: { name: string; configType: number; documentation: string | null }[] }[];
      }>(32, 4, {
        resources: [
          { resourceType: TOPIC, resourceName: 'described', configurationKeys: ['segment.bytes', 'cleanup.policy'] },
        ],
        includeSynonyms: false,
        includeDocumentation: true,
      }),
    );
    expect(response.results[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(response.results[0]!.configs).toEqual([
      expect.objectContaining({ name: 'segment.bytes', configType: 3, documentation: 'roll a segment at this size' }),
      expect.objectContaining({
        name: 'cleanup.policy',
        configType: 7,
        documentation:
          'delete: retention removes old segments; compact: keep the latest record of each key; both: compact,delete',
      }),
    ]);
  });
});
