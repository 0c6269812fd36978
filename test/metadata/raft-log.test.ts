// RaftMetadataLog: the metadata state machine replicated by the Raft driver across three
// in-process nodes (real gRPC, real LevelDB). The controller is the Raft leader.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError } from '../../src/common/errors.js';
import { GrpcServer } from '../../src/common/grpc.js';
import { silentLogger } from '../../src/common/log.js';
import type { RaftMetadataConfig } from '../../src/metadata/raft-log.js';
import { RaftMetadataLog } from '../../src/metadata/raft-log.js';
import type { MetadataRecord } from '../../src/metadata/records.js';
import type { MetadataChange } from '../../src/metadata/state.js';
import { freePort } from '../helpers/node-process.js';
import { waitFor } from '../raft/driver-harness.js';

interface Node {
  readonly id: number;
  server: GrpcServer;
  log: RaftMetadataLog;
  changes: MetadataChange[];
  controllerEvents: Array<[boolean, number]>;
  alive: boolean;
}

function createTopic(name: string): MetadataRecord {
  return {
    type: 'CreateTopic',
    name,
    topicId: `id-${name}`,
    configs: {},
    partitions: [{ partition: 0, replicas: [1, 2, 3], leader: 1, leaderEpoch: 0 }],
  };
}

describe('RaftMetadataLog', () => {
  const root = mkdtempSync(join(tmpdir(), 'brook-raft-metadata-'));
  const nodes: Node[] = [];
  let configs: RaftMetadataConfig[] = [];

  async function open(id: number): Promise<Node> {
    const config = configs[id - 1]!;
    const server = new GrpcServer(silentLogger);
    const log = await RaftMetadataLog.open(config, server, silentLogger, {
      snapshotEntries: 10,
      snapshotTrailingEntries: 2,
    });
    await server.listen('127.0.0.1', config.clusterNodes[id - 1]!.grpcPort);
    const node: Node = { id, server, log, changes: [], controllerEvents: [], alive: true };
    log.onChange((c) => node.changes.push(c));
    log.onControllerChange((isController, controllerId) => node.controllerEvents.push([isController, controllerId]));
    const existing = nodes.findIndex((n) => n.id === id);
    if (existing >= 0) nodes[existing] = node;
    else nodes.push(node);
    return node;
  }

  async function kill(node: Node): Promise<void> {
    node.alive = false;
    node.server.server.forceShutdown();
    await node.log.close();
  }

  async function controller(timeoutMs = 5_000): Promise<Node> {
    let found: Node | undefined;
    await waitFor(() => {
      const live = nodes.filter((n) => n.alive);
      const leaders = live.filter((n) => n.log.isController);
      if (leaders.length !== 1) return false;
      found = leaders[0]!;
      return live.every((n) => n.log.controllerId === found!.id);
    }, timeoutMs);
    return found!;
  }

  beforeAll(async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const clusterNodes = ports.map((grpcPort, i) => ({ nodeId: i + 1, host: '127.0.0.1', grpcPort }));
    configs = ports.map((_, i) => ({
      nodeId: i + 1,
      clusterId: 'metadata-test',
      clusterNodes,
      dataDir: join(root, `node${i + 1}`),
      raftHeartbeatMs: 100,
      raftElectionTimeoutMs: 500,
    }));
    await Promise.all([1, 2, 3].map(open));
  });

  afterAll(async () => {
    for (const n of nodes) if (n.alive) await kill(n);
    rmSync(root, { recursive: true, force: true });
  });

  it('elects one controller and tells every node', async () => {
    const c = await controller();
    for (const n of nodes) {
      await waitFor(() => n.controllerEvents.length > 0, 2_000);
      expect(n.controllerEvents.at(-1)).toEqual([n.id === c.id, c.id]);
    }
  });

  it('applies the records of one proposal together on every node', async () => {
    const c = await controller();
    await c.log.propose([
      { type: 'RegisterBroker', nodeId: 1, host: 'h1', port: 9092, rack: null, incarnation: 'x' },
      createTopic('orders'),
    ]);
    expect(c.log.state.topic('orders')).toBeDefined();
    for (const n of nodes) {
      await n.log.barrier();
      expect(n.log.state.topic('orders')?.topicId).toBe('id-orders');
      expect(n.log.state.broker(1)?.host).toBe('h1');
      expect(n.changes.map((ch) => ch.kind)).toEqual(['brokers-changed', 'topic-created']);
    }
  });

  it('refuses proposals on a node that is not the controller with NOT_CONTROLLER', async () => {
    const c = await controller();
    const follower = nodes.find((n) => n !== c)!;
    const err = await follower.log.propose([createTopic('refused')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).code).toBe(ErrorCode.NOT_CONTROLLER);
  });

  it('a restarted node far behind catches up from a snapshot and reports the topics it gained', async () => {
    const c = await controller();
    const follower = nodes.find((n) => n !== c)!;
    await kill(follower);
    for (let i = 0; i < 25; i++) await c.log.propose([createTopic(`t${i}`)]);
    const back = await open(follower.id);
    expect(back.log.state.topic('orders')).toBeDefined();
    await back.log.barrier();
    expect(back.log.status().snapshotsReceived).toBeGreaterThanOrEqual(1);
    expect(back.log.state.topics.map((t) => t.name).sort()).toEqual(c.log.state.topics.map((t) => t.name).sort());
    // open() replayed what the node held ('orders') before returning; the snapshot then brought
    // the 25 topics it missed, each reported as created.
    const created = back.changes.flatMap((ch) => (ch.kind === 'topic-created' ? [ch.topic.name] : []));
    expect(created.sort()).toEqual(Array.from({ length: 25 }, (_, i) => `t${i}`).sort());
  });

  it('a new controller takes over after the controller is killed, and topic creation works within 3 s', async () => {
    const old = await controller();
    const killedAt = Date.now();
    await kill(old);
    const c = await controller(3_000);
    await c.log.propose([createTopic('after-failover')]);
    const elapsedMs = Date.now() - killedAt;
    console.log(
      `metadata: controller ${c.id} took over and committed a topic ${elapsedMs} ms after controller ${old.id} was killed`,
    );
    expect(elapsedMs).toBeLessThan(3_000);
    for (const n of nodes.filter((x) => x.alive)) {
      await n.log.barrier();
      expect(n.log.state.topic('after-failover')).toBeDefined();
    }
  });
});
