// A node tells clients the advertised address, not the one it listens on: Metadata's broker list
// and FindCoordinator carry --advertised-host/--advertised-port, which is what lets clients reach a
// node through a published container port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

const ADVERTISED_HOST = 'brook-advertised.invalid';
const ADVERTISED_PORT = 19092;

let node: NodeProcess;

beforeAll(async () => {
  node = await startSingleNode({
    extraArgs: ['--advertised-host', ADVERTISED_HOST, '--advertised-port', String(ADVERTISED_PORT)],
  });
});

afterAll(async () => {
  await stopAll();
});

describe('advertised address', () => {
  it('is the broker address in Metadata', async () => {
    const client = await RawClient.connect(node.kafkaPort);
    try {
      const metadata = await client.request<{ brokers: { nodeId: number; host: string; port: number }[] }>(3, 9, {
        topics: null,
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      expect(metadata.brokers).toEqual([
        expect.objectContaining({ nodeId: 1, host: ADVERTISED_HOST, port: ADVERTISED_PORT }),
      ]);
    } finally {
      client.close();
    }
  });

  it('is the coordinator address in FindCoordinator', async () => {
    const client = await RawClient.connect(node.kafkaPort);
    try {
      // The offsets topic is created shortly after start; until then the answer is retriable.
      for (let attempt = 0; attempt < 100; attempt++) {
        const found = await client.request<{ errorCode: number; host: string; port: number }>(10, 2, {
          key: 'advertised-group',
          keyType: 0,
        });
        if (found.errorCode === 0) {
          expect([found.host, found.port]).toEqual([ADVERTISED_HOST, ADVERTISED_PORT]);
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('FindCoordinator never answered without an error');
    } finally {
      client.close();
    }
  });
});
