// ACLs and quotas live in the replicated metadata: created through one node of three, every node
// enforces them within a second (they apply from the metadata log), DescribeAcls and
// DescribeClientQuotas answer the same on every node, and a deletion through another node
// reaches all of them as fast. The listeners are PLAINTEXT with --authorizer-all-listeners, so
// requests are authorized as User:ANONYMOUS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NodeProcess, startCluster, stopAll, waitFor } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

const TOPIC_AUTHORIZATION_FAILED = 29;
const denyDescribe = {
  resourceType: 2,
  resourceName: 'shared',
  resourcePatternType: 3,
  principal: 'User:*',
  host: '*',
  operation: 8,
  permissionType: 2,
};

describe('ACLs and quotas on a three-node cluster', () => {
  let nodes: NodeProcess[];
  const clients: RawClient[] = [];

  beforeAll(async () => {
    nodes = await startCluster(3, {
      extraArgs: ['--authorizer-all-listeners', 'true', '--allow-everyone-if-no-acl-found', 'true'],
    });
    for (const node of nodes) clients.push(await RawClient.connect(node.kafkaPort));
    const created = await clients[0]!.request<{ topics: { errorCode: number }[] }>(19, 4, {
      topics: [{ name: 'shared', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    expect(created.topics[0]!.errorCode).toBe(0);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await stopAll();
  });

  async function topicError(client: RawClient): Promise<number> {
    const response = await client.request<{ topics: { errorCode: number }[] }>(3, 1, {
      topics: [{ name: 'shared' }],
      allowAutoTopicCreation: false,
    });
    return response.topics[0]!.errorCode;
  }

  /** How long after `sinceMs` each node's Metadata answers `errorCode` for the topic. */
  async function takesEffect(errorCode: number, sinceMs: number): Promise<number[]> {
    return Promise.all(
      clients.map(async (client, i) => {
        await waitFor(
          `node ${i + 1} to answer ${errorCode}`,
          async () => (await topicError(client)) === errorCode,
          10_000,
          10,
        );
        return Date.now() - sinceMs;
      }),
    );
  }

  it('enforces an ACL created through node 1 on every node within a second', async () => {
    for (const client of clients) expect(await topicError(client)).toBe(0);
    const created = await clients[0]!.request<{ results: { errorCode: number }[] }>(30, 1, {
      creations: [denyDescribe],
    });
    const sinceMs = Date.now();
    expect(created.results).toEqual([{ errorCode: 0, errorMessage: null }]);
    const delaysMs = await takesEffect(TOPIC_AUTHORIZATION_FAILED, sinceMs);
    console.log(`ACL in effect on nodes 1-3 after ${delaysMs.join(', ')} ms`);
    for (const delayMs of delaysMs) expect(delayMs).toBeLessThan(1000);
  });

  it('describes the same ACLs on every node, and a deletion through node 2 reaches all within a second', async () => {
    for (const client of clients) {
      const described = await client.request<{ resources: { resourceName: string }[] }>(29, 1, {
        resourceTypeFilter: 1,
        resourceNameFilter: null,
        patternTypeFilter: 1,
        principalFilter: null,
        hostFilter: null,
        operation: 1,
        permissionType: 1,
      });
      expect(described.resources.map((r) => r.resourceName)).toEqual(['shared']);
    }
    const deleted = await clients[1]!.request<{ filterResults: { matchingAcls: unknown[] }[] }>(31, 1, {
      filters: [
        {
          resourceTypeFilter: 2,
          resourceNameFilter: 'shared',
          patternTypeFilter: 3,
          principalFilter: null,
          hostFilter: null,
          operation: 1,
          permissionType: 1,
        },
      ],
    });
    const sinceMs = Date.now();
    expect(deleted.filterResults[0]!.matchingAcls).toHaveLength(1);
    const delaysMs = await takesEffect(0, sinceMs);
    for (const delayMs of delaysMs) expect(delayMs).toBeLessThan(1000);
  });

  it('describes a quota set through node 3 on every node', async () => {
    const entity = [{ entityType: 'client-id', entityName: 'slow-app' }];
    const altered = await clients[2]!.request<{ entries: { errorCode: number }[] }>(49, 0, {
      entries: [{ entity, ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }] }],
      validateOnly: false,
    });
    expect(altered.entries[0]!.errorCode).toBe(0);
    for (const [i, client] of clients.entries()) {
      await waitFor(
        `node ${i + 1} to describe the quota`,
        async () => {
          const described = await client.request<{ entries: unknown[] | null }>(48, 0, {
            components: [{ entityType: 'client-id', matchType: 0, match: 'slow-app' }],
            strict: false,
          });
          return described.entries?.length === 1;
        },
        1000,
        10,
      );
    }
  });
});
