// Every API the node serves is authorized. A real node whose only listener is SASL_PLAINTEXT;
// carol logs in with SCRAM and has no ACLs. The APIs come from the node's ApiVersions answer,
// which is its handler registry: each must have a rule in test/helpers/api-authorization-rules.ts,
// so an API added without one fails here. Each API carol sends is refused with its resource's
// error (ListGroups shows her nothing); with the ACLs its rule names, created by the super user,
// it goes through; once they are deleted it is refused again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/index.js';
import { buildRecordBatch } from '../../src/storage/index.js';
import {
  ANY_BUT_REFUSED,
  API_AUTHORIZATION_RULES,
  type AuthorizedApi,
  dig,
  type Grant,
  RESOURCES,
} from '../helpers/api-authorization-rules.js';
import { freePort, startSingleNode, stopAll, waitFor } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

const CAROL = 'User:carol';
let port: number;
let admin: RawClient;
let carol: RawClient;

const acl = (grant: Grant) => ({ ...grant, resourcePatternType: 3, principal: CAROL, host: '*', permissionType: 3 });
const aclFilter = (grant: Grant) => ({
  resourceTypeFilter: grant.resourceType,
  resourceNameFilter: grant.resourceName,
  patternTypeFilter: 3,
  principalFilter: CAROL,
  hostFilter: '*',
  operation: grant.operation,
  permissionType: 3,
});

async function commitOffset(groupId: string): Promise<void> {
  const answer = await admin.request(8, 8, {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    topics: [
      { name: RESOURCES.topic, partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] },
    ],
  });
  expect(dig(answer, 'topics.0.partitions.0.errorCode')).toBe(ErrorCode.NONE);
}

beforeAll(async () => {
  port = await freePort();
  await startSingleNode({
    kafkaPort: port,
    listeners: `SASL_PLAINTEXT://127.0.0.1:${port}`,
    extraArgs: ['--super-users', 'User:admin'],
    env: { BROOK_BOOTSTRAP_USERS: 'admin:admin-pw,carol:carol-pw' },
  });
  admin = await RawClient.open(port, { sasl: { mechanism: 'SCRAM-SHA-256', user: 'admin', password: 'admin-pw' } });
  carol = await RawClient.open(port, { sasl: { mechanism: 'SCRAM-SHA-512', user: 'carol', password: 'carol-pw' } });
  const created = await admin.request(19, 4, {
    topics: [RESOURCES.topic, RESOURCES.doomedTopic].map((name) => ({
      name,
      numPartitions: 1,
      replicationFactor: 1,
      assignments: [],
      configs: [],
    })),
    timeoutMs: 10_000,
    validateOnly: false,
  });
  expect(dig(created, 'topics.*.errorCode')).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
  await waitFor('the topic has a leader', async () => {
    const produced = await admin.request(0, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [
        {
          name: RESOURCES.topic,
          partitionData: [
            { index: 0, records: buildRecordBatch([{ key: null, value: Buffer.from('x'), timestamp: 0 }]) },
          ],
        },
      ],
    });
    return dig(produced, 'responses.0.partitionResponses.0.errorCode') === ErrorCode.NONE;
  });
  for (const group of [RESOURCES.group, RESOURCES.doomedGroup, RESOURCES.offsetsGroup]) await commitOffset(group);
}, 60_000);

afterAll(async () => {
  admin?.close();
  carol?.close();
  await stopAll();
});

describe('every API the node serves', () => {
  it('has an authorization rule, and each rule is for an API the node serves', async () => {
    const versions = await carol.request<{ errorCode: number; apiKeys: { apiKey: number }[] }>(18, 3, {
      clientSoftwareName: 'brook-test',
      clientSoftwareVersion: '0',
    });
    // Served to a user without ACLs, as Kafka does: clients send it before they authenticate.
    expect(versions.errorCode).toBe(ErrorCode.NONE);
    const served = versions.apiKeys.map((api) => api.apiKey);
    const ruled = Object.keys(API_AUTHORIZATION_RULES).map(Number);
    expect(served.filter((key) => !ruled.includes(key))).toEqual([]);
    expect(ruled.filter((key) => !served.includes(key))).toEqual([]);
  });

  const authorized = Object.entries(API_AUTHORIZATION_RULES).flatMap(
    ([key, rule]): [string, number, AuthorizedApi][] => ('grants' in rule ? [[rule.name, Number(key), rule]] : []),
  );
  it.each(authorized)('%s (key %i): refused without ACLs, allowed with its rule’s ACLs', async (_, key, rule) => {
    const answer = async () => dig(await carol.request(key, rule.version, rule.body), rule.at);
    expect(await answer()).toEqual(rule.refused);

    const created = await admin.request(30, 1, { creations: rule.grants.map(acl) });
    expect(dig(created, 'results.*.errorCode')).toEqual(rule.grants.map(() => ErrorCode.NONE));
    // ACLs take effect once the node applies the metadata record, which may follow the answer.
    const granted = await waitFor(`${rule.name} allowed`, async () => {
      const value = await answer();
      return JSON.stringify(value) === JSON.stringify(rule.refused) ? null : { value };
    });
    if (rule.granted === ANY_BUT_REFUSED) {
      const authorizationErrors = [
        ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        ErrorCode.GROUP_AUTHORIZATION_FAILED,
        ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      ];
      expect(authorizationErrors).not.toContain(granted.value);
    } else {
      expect(granted.value).toEqual(rule.granted);
    }

    const deleted = await admin.request(31, 1, { filters: rule.grants.map(aclFilter) });
    expect(dig(deleted, 'filterResults.*.matchingAcls.length')).toEqual(rule.grants.map(() => 1));
    await waitFor(`${rule.name} refused again`, async () =>
      JSON.stringify(await answer()) === JSON.stringify(rule.refused) ? true : null,
    );
  });
});
