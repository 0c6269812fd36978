// Mutual TLS between three real nodes: with --peer-tls-* every internal link (Raft, the
// replication stream, seals and elections, registration, heartbeats and forwarded admin calls)
// runs over TLS with certificates of one cluster CA. The cluster forms, replicates with acks=all,
// and fails over when the partition leader is killed with kill -9; a gRPC client without a
// certificate, with one from another CA, or in plaintext is refused, with a log line.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpc, loadProto, serviceConstructor } from '../../src/common/grpc.js';
import { buildRecordBatch, decodeRecords, splitBatches } from '../../src/storage/index.js';
import { type CertFiles, makeTestCas, type TestCa } from '../helpers/certs.js';
import { startCluster, stopAll, waitFor, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

let ca: TestCa;
let otherCa: TestCa;
let nodes: NodeProcess[];
const certs = new Map<number, CertFiles>();

interface MetadataPartition {
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: number[];
}

beforeAll(async () => {
  ({ ca, otherCa } = makeTestCas());
  for (const id of [1, 2, 3]) certs.set(id, ca.issue(`node-${id}`));
  nodes = await startCluster(3, {
    extraArgsFor: (id) => [
      '--peer-tls-cert',
      certs.get(id)!.cert,
      '--peer-tls-key',
      certs.get(id)!.key,
      '--peer-tls-ca',
      ca.cert,
    ],
  });
}, 120_000);

afterAll(stopAll);

const live = () => nodes.filter((n) => n.running);

async function withClient<T>(node: NodeProcess, run: (client: RawClient) => Promise<T>): Promise<T> {
  const client = await RawClient.connect(node.kafkaPort);
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

async function partitionOf(node: NodeProcess, topic: string): Promise<MetadataPartition | undefined> {
  return withClient(node, async (c) => {
    const response = await c.request<{ topics: { partitions: MetadataPartition[] }[] }>(3, 9, {
      topics: [{ name: topic }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    return response.topics[0]?.partitions[0];
  });
}

async function leaderOf(topic: string, minEpoch: number): Promise<{ leader: NodeProcess; epoch: number }> {
  return waitFor(
    `a leader of ${topic} at epoch >= ${minEpoch}`,
    async () => {
      const views = await Promise.all(live().map((n) => partitionOf(n, topic)));
      const first = views[0];
      if (!first || first.errorCode !== 0 || first.leaderId < 0 || first.leaderEpoch < minEpoch) return null;
      if (!views.every((p) => p?.leaderId === first.leaderId && p.leaderEpoch === first.leaderEpoch)) return null;
      const leader = live().find((n) => n.nodeId === first.leaderId);
      return leader ? { leader, epoch: first.leaderEpoch } : null;
    },
    20_000,
  );
}

async function produce(node: NodeProcess, topic: string, values: string[]): Promise<number> {
  return withClient(node, async (c) => {
    const batch = buildRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() })));
    const response = await c.request<{ responses: { partitionResponses: { errorCode: number }[] }[] }>(0, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
    });
    return response.responses[0]!.partitionResponses[0]!.errorCode;
  });
}

async function consumeAll(node: NodeProcess, topic: string): Promise<string[]> {
  return withClient(node, async (c) => {
    const data = await c.fetchPartition(topic, 0, 0);
    if (!data.records) return [];
    return splitBatches(data.records).flatMap((b) => decodeRecords(b).map((r) => r.value?.toString() ?? ''));
  });
}

describe('a cluster with mutual TLS between its nodes', () => {
  it('forms, replicates with acks=all, and fails over when the leader is killed', async () => {
    const created = await withClient(nodes[0]!, (c) =>
      c.request<{ topics: { errorCode: number }[] }>(19, 5, {
        topics: [{ name: 'secured', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }],
        timeoutMs: 10_000,
        validateOnly: false,
      }),
    );
    expect(created.topics[0]!.errorCode).toBe(0);
    const { leader, epoch } = await leaderOf('secured', 0);
    // Retried while the new leader takes its epoch (LEADER_NOT_AVAILABLE).
    await waitFor('acks=all accepted', async () => (await produce(leader, 'secured', ['a', 'b', 'c'])) === 0);

    await leader.kill();
    const next = await leaderOf('secured', epoch + 1);
    expect(next.leader.nodeId).not.toBe(leader.nodeId);
    await waitFor(
      'acks=all accepted by the new leader',
      async () => (await produce(next.leader, 'secured', ['d'])) === 0,
    );
    expect(await consumeAll(next.leader, 'secured')).toEqual(['a', 'b', 'c', 'd']);
    // Control and forwarded admin calls still cross TLS: a topic created through a follower.
    const follower = live().find((n) => n.nodeId !== next.leader.nodeId)!;
    const again = await withClient(follower, (c) =>
      c.request<{ topics: { errorCode: number }[] }>(19, 5, {
        topics: [{ name: 'after-failover', numPartitions: 1, replicationFactor: 2, assignments: [], configs: [] }],
        timeoutMs: 10_000,
        validateOnly: false,
      }),
    );
    expect(again.topics[0]!.errorCode).toBe(0);
  });

  describe('refuses gRPC clients', () => {
    type SendClient = grpc.Client & {
      Send: (batch: unknown, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null) => void) => void;
    };
    const ctor = serviceConstructor(loadProto('raft.proto'), 'brook.raft.Raft');

    async function call(credentials: grpc.ChannelCredentials): Promise<grpc.ServiceError | null> {
      const target = live()[0]!;
      const client = new ctor(`127.0.0.1:${target.grpcPort}`, credentials) as unknown as SendClient;
      try {
        return await new Promise((resolve) =>
          client.Send({ clusterId: 'brook-cluster', messages: [] }, { deadline: Date.now() + 3000 }, resolve),
        );
      } finally {
        client.close();
      }
    }

    it('in plaintext', async () => {
      const err = await call(grpc.credentials.createInsecure());
      expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    });

    it('over TLS without a certificate', async () => {
      const err = await call(grpc.credentials.createSsl(readFileSync(ca.cert)));
      expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    });

    // The admin path (requests a node forwards to the controller) is on the same port: an
    // intruder cannot create a topic through it, in plaintext or with a certificate of another CA.
    it('on the Control service that serves forwarded admin requests', async () => {
      type AdminClient = grpc.Client & {
        Admin: (
          request: unknown,
          options: grpc.CallOptions,
          cb: (err: grpc.ServiceError | null, response?: unknown) => void,
        ) => void;
      };
      const control = serviceConstructor(loadProto('admin.proto'), 'brook.admin.Control');
      const foreign = otherCa.issue('admin-intruder');
      const member = certs.get(1)!;
      const target = live()[0]!;
      const refusals: (number | undefined)[] = [];
      for (const credentials of [
        grpc.credentials.createInsecure(),
        grpc.credentials.createSsl(readFileSync(ca.cert), readFileSync(foreign.key), readFileSync(foreign.cert)),
        // A member's certificate: the same call is served (so the refusals are the TLS check's).
        grpc.credentials.createSsl(readFileSync(ca.cert), readFileSync(member.key), readFileSync(member.cert)),
      ]) {
        const client = new control(`127.0.0.1:${target.grpcPort}`, credentials) as unknown as AdminClient;
        const request = {
          clusterId: 'brook-cluster',
          operation: 'createTopic',
          argumentsJson: JSON.stringify({ name: 'intruded', numPartitions: 1, replicationFactor: 1, configs: {} }),
        };
        try {
          const err = await new Promise<grpc.ServiceError | null>((resolve) =>
            client.Admin(request, { deadline: Date.now() + 3000 }, (e) => resolve(e)),
          );
          refusals.push(err?.code);
        } finally {
          client.close();
        }
      }
      expect(refusals).toEqual([grpc.status.UNAVAILABLE, grpc.status.UNAVAILABLE, undefined]);
    });

    it('with a certificate from another CA, and logs who it refused', async () => {
      const foreign = otherCa.issue('intruder');
      const err = await call(
        grpc.credentials.createSsl(readFileSync(ca.cert), readFileSync(foreign.key), readFileSync(foreign.cert)),
      );
      expect(err?.code).toBe(grpc.status.UNAVAILABLE);
      await waitFor('the log line', () =>
        Promise.resolve(live().some((n) => /refused a gRPC connection without a certificate/.test(n.logs))),
      );
    });

    it('but serves one with a certificate of the cluster CA', async () => {
      const member = certs.get(1)!;
      const err = await call(
        grpc.credentials.createSsl(readFileSync(ca.cert), readFileSync(member.key), readFileSync(member.cert)),
      );
      expect(err).toBeNull();
    });
  });
});
