// Wires one node together: the metadata log and controller, the partition replicas, the Kafka
// handlers and listener, and the HTTP endpoint. `stop()` closes listeners first, then flushes and
// closes every log, so nothing acknowledged is left in memory.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeConfig } from './common/config.js';
import { ConfigError } from './common/errors.js';
import type { Logger } from './common/log.js';
import { HttpServer } from './http/server.js';
import type { AdminOperations, BrokerContext } from './kafka/broker-context.js';
import { RequestDispatcher } from './kafka/dispatcher.js';
import { createHandlers } from './kafka/handlers/index.js';
import { KafkaServer } from './kafka/server.js';
import { Controller } from './metadata/controller.js';
import { LocalMetadataLog } from './metadata/local-log.js';
import type { MetadataLog } from './metadata/log.js';
import { ProducerIdAllocator } from './metadata/producer-ids.js';
import { ReplicaManager } from './replication/replica-manager.js';

export interface RunningNode {
  readonly config: NodeConfig;
  readonly kafkaPort: number;
  readonly httpPort: number;
  stop(): Promise<void>;
}

function localAdmin(controller: Controller, replicas: ReplicaManager): AdminOperations {
  return {
    async createTopic(spec, validateOnly) {
      if (validateOnly) {
        controller.planTopic(spec);
        return null;
      }
      const topic = await controller.createTopic(spec);
      await replicas.settled();
      return topic;
    },
    async deleteTopic(name) {
      await controller.deleteTopic(name);
      await replicas.settled();
    },
    async createPartitions(name, totalCount, assignments, validateOnly) {
      if (validateOnly) {
        controller.planPartitions(name, totalCount, assignments);
        return;
      }
      await controller.createPartitions(name, totalCount, assignments);
      await replicas.settled();
    },
    async alterTopicConfig(name, configs, validateOnly) {
      if (validateOnly) {
        controller.planTopicConfig(name, configs);
        return;
      }
      await controller.alterTopicConfig(name, configs);
      await replicas.settled();
    },
  };
}

/** Registers this broker's Kafka endpoint in the metadata, once per start. */
async function registerBroker(metadata: MetadataLog, config: NodeConfig): Promise<void> {
  const current = metadata.state.broker(config.nodeId);
  if (current && !current.fenced && current.host === config.advertisedHost && current.port === config.advertisedPort) return;
  await metadata.propose([
    {
      type: 'RegisterBroker',
      nodeId: config.nodeId,
      host: config.advertisedHost,
      port: config.advertisedPort,
      rack: null,
      incarnation: randomUUID(),
    },
  ]);
}

export async function startNode(config: NodeConfig, log: Logger): Promise<RunningNode> {
  if (config.clusterNodes.length > 1) {
    throw new ConfigError('cluster-nodes: multi-node clusters need the Raft metadata quorum, which this build does not have yet');
  }
  await mkdir(config.dataDir, { recursive: true });
  const metadata = await LocalMetadataLog.open(join(config.dataDir, 'metadata'), config.nodeId, log.child({ module: 'metadata' }));
  await registerBroker(metadata, config);
  const controller = new Controller(metadata, config);
  const replicas = await ReplicaManager.open(config, metadata, log.child({ module: 'replication' }));
  const producerIds = ProducerIdAllocator.fromController(config.nodeId, controller);

  let dispatcher: RequestDispatcher | null = null;
  const context: BrokerContext = {
    config,
    metadata,
    admin: localAdmin(controller, replicas),
    replicas,
    producerIds,
    log: log.child({ module: 'kafka' }),
    coordinatorFor: async () => config.nodeId,
    supportedApis: () => dispatcher?.supportedApis() ?? [],
  };
  dispatcher = new RequestDispatcher(createHandlers(context), log.child({ module: 'kafka' }));
  const kafka = new KafkaServer(dispatcher, log.child({ module: 'kafka' }));
  const kafkaPort = await kafka.listen(config.listenHost, config.kafkaPort);

  let ready = true;
  const http = new HttpServer(
    {
      health: () => ({ nodeId: config.nodeId, role: 'leader', controllerId: metadata.controllerId, clusterId: config.clusterId }),
      ready: () => ready,
    },
    log.child({ module: 'http' }),
  );
  const httpPort = await http.listen(config.listenHost, config.httpPort);
  log.info({ kafka: `${config.listenHost}:${kafkaPort}`, http: `${config.listenHost}:${httpPort}`, dataDir: config.dataDir }, 'Brook node started');

  let stopping: Promise<void> | null = null;
  return {
    config,
    kafkaPort,
    httpPort,
    stop() {
      stopping ??= (async () => {
        ready = false;
        log.info('stopping: closing listeners, flushing logs');
        await kafka.close();
        await replicas.close();
        await metadata.close();
        await http.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
