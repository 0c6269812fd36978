// Wires one node together: the metadata log and controller, the partition replicas, the Kafka
// handlers and listener, and the HTTP endpoint. `stop()` closes listeners first, then flushes and
// closes every log, so nothing acknowledged is left in memory.
//
// Wiring is by construction order, lower layers first; no object is handed another after it is
// built. Where two objects would need each other, the value they share is built first (the
// controller's BrokerHeartbeats, replication's ElectionRequests). The one thing bound late is the
// replica manager: it opens only after this broker registers, which needs the gRPC services (and
// so the replication service) listening, so the service is given a function that returns it.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GrpcServer,
  type Logger,
  type NodeConfig,
  cleanerMetrics,
  nodeGauges,
  requestMetrics,
  systemClock,
} from './common/index.js';
import { attachGroupCoordinator } from './groups/index.js';
import { parsePartitionDirName } from './storage/index.js';
import { HttpServer } from './http/index.js';
import { type BrokerContext, createHandlers, KafkaServer, RequestDispatcher } from './kafka/index.js';
import {
  BrokerHeartbeats,
  BrokerLifecycle,
  ClusterAdmin,
  ControlClient,
  Controller,
  ControlService,
  probeBroker,
  ProducerIdAllocator,
  RaftMetadataLog,
} from './metadata/index.js';
import {
  ElectionRequests,
  PartitionElections,
  ReplicaManager,
  ReplicationClient,
  ReplicationService,
} from './replication/index.js';
import { nodeDisk } from './storage/index.js';

export interface RunningNode {
  readonly config: NodeConfig;
  readonly kafkaPort: number;
  readonly httpPort: number;
  stop(): Promise<void>;
}

const REGISTRATION_TIMEOUT_MS = 10 * 60_000;
const OFFSETS_TOPIC_RETRY_MS = 1_000;

export async function startNode(config: NodeConfig, log: Logger): Promise<RunningNode> {
  await mkdir(config.dataDir, { recursive: true });
  const grpcServer = new GrpcServer(log.child({ module: 'grpc' }));
  const metadata = await RaftMetadataLog.open(config, grpcServer, log, {
    snapshotEntries: config.raftSnapshotEntries,
    dir: join(config.dataDir, 'raft'),
  });
  metadata.onFatal((err) => {
    log.fatal({ err }, 'metadata log failed; stopping');
    process.exit(1);
  });
  const heartbeats = new BrokerHeartbeats(config, metadata);
  const controller = new Controller(metadata, config, heartbeats);
  // Partition replication: the service answers appends and seals once the replicas are open.
  let replicasOpen: ReplicaManager | null = null;
  const electionRequests = new ElectionRequests();
  const replication = new ReplicationService(
    config,
    metadata,
    electionRequests,
    () => replicasOpen,
    systemClock,
    log.child({ module: 'replication' }),
  );
  const replicationClient = new ReplicationClient(
    config,
    systemClock,
    replication,
    log.child({ module: 'replication' }),
  );
  const elections = new PartitionElections(
    metadata,
    replicationClient,
    electionRequests,
    systemClock,
    log.child({ module: 'elections' }),
  );
  const control = new ControlService(
    config,
    metadata,
    controller,
    heartbeats,
    elections,
    (nodeId) => probeBroker(config, nodeId),
    log.child({ module: 'controller' }),
  );
  control.register(grpcServer);
  replication.register(grpcServer);
  await grpcServer.listen(config.listenHost, config.grpcPort);
  const controlClient = new ControlClient(config, metadata, control);
  const lifecycle = new BrokerLifecycle(config, controlClient, log.child({ module: 'lifecycle' }));
  log.info(
    { voters: config.clusterNodes.map((m) => m.nodeId) },
    'waiting for the metadata quorum to register this broker',
  );
  await lifecycle.start(REGISTRATION_TIMEOUT_MS);

  const replicas = await ReplicaManager.open({
    config,
    clock: systemClock,
    disk: nodeDisk,
    metadata,
    network: replicationClient,
    logger: log,
    sessionLapsed: () => lifecycle.sessionLapsed(),
    fatal: (err) => {
      log.fatal({ err }, 'a replication invariant broke; stopping');
      process.exit(1);
    },
    storageFailed: (err) => {
      log.fatal({ err }, 'stopping: the disk failed, and it is recovered from on restart');
      process.exit(1);
    },
  });
  replicasOpen = replicas;
  const admin = new ClusterAdmin(config.clusterId, controlClient, metadata, () => replicas.settled());
  const producerIds = new ProducerIdAllocator(config.nodeId, (nodeId) => admin.allocateProducerIds(nodeId));
  // Group coordinator: follows leadership of __consumer_offsets. The topic is created once enough
  // brokers are registered for its replication factor; until then FindCoordinator says
  // COORDINATOR_NOT_AVAILABLE, which clients retry.
  const groups = attachGroupCoordinator(config, metadata, replicas, admin, log.child({ module: 'groups' }));
  let offsetsTopicTimer: NodeJS.Timeout | null = null;
  const ensureOffsetsTopic = () => {
    groups.ensureOffsetsTopic().catch((err: unknown) => {
      log.debug({ err: (err as Error).message }, 'offsets topic not created yet; retrying');
      offsetsTopicTimer = setTimeout(ensureOffsetsTopic, OFFSETS_TOPIC_RETRY_MS);
    });
  };
  ensureOffsetsTopic();

  let ready = true;
  const http = new HttpServer(
    {
      health: () => {
        const raft = metadata.status();
        return {
          nodeId: config.nodeId,
          clusterId: config.clusterId,
          role: raft.role,
          term: raft.term,
          commitIndex: raft.commit,
          appliedIndex: raft.applied,
          snapshotIndex: raft.snapshotIndex,
          controllerId: metadata.controllerId,
          raftPeers: raft.peers,
        };
      },
      ready: () => ready,
      routes: {
        ...groups.routes,
        '/partitions': (url) => ({ nodeId: config.nodeId, partitions: replicas.status(url.searchParams.get('topic')) }),
      },
    },
    log.child({ module: 'http' }),
  );
  let dispatcher: RequestDispatcher | null = null;
  const context: BrokerContext = {
    config,
    metadata,
    admin,
    replicas,
    producerIds,
    groups: groups.coordinator,
    log: log.child({ module: 'kafka' }),
    coordinatorFor: (groupId) => groups.coordinatorFor(groupId),
    supportedApis: () => dispatcher?.supportedApis() ?? [],
  };
  dispatcher = new RequestDispatcher(createHandlers(context), requestMetrics(http.registry));
  const kafka = new KafkaServer(dispatcher, log.child({ module: 'kafka' }));
  nodeGauges(http.registry, {
    raft: () => {
      const raft = metadata.status();
      return { term: raft.term, commit: raft.commit, applied: raft.applied, isLeader: metadata.isController };
    },
    partitions: () => {
      let offline = 0;
      for (const topic of metadata.state.topics) {
        for (const p of topic.partitions) if (metadata.state.broker(p.leader)?.fenced !== false) offline++;
      }
      return { led: replicas.ledPartitions().length, offline };
    },
    brokers: () => {
      const brokers = metadata.state.brokers;
      return { live: brokers.filter((b) => !b.fenced).length, fenced: brokers.filter((b) => b.fenced).length };
    },
    connections: () => kafka.connectionCount,
  });
  cleanerMetrics(http.registry, {
    stats: () => replicas.logCleaner?.stats ?? null,
    *dirtyRatios() {
      for (const [name, ratio] of replicas.logCleaner?.dirtyRatios ?? []) {
        const id = parsePartitionDirName(name);
        if (id !== null) yield { topic: id.topic, partition: id.partition, ratio };
      }
    },
  });
  const kafkaPort = await kafka.listen(config.listenHost, config.kafkaPort);

  const httpPort = await http.listen(config.listenHost, config.httpPort);
  log.info(
    { kafka: `${config.listenHost}:${kafkaPort}`, http: `${config.listenHost}:${httpPort}`, dataDir: config.dataDir },
    'Brook node started',
  );

  let stopping: Promise<void> | null = null;
  return {
    config,
    kafkaPort,
    httpPort,
    stop() {
      stopping ??= (async () => {
        ready = false;
        log.info('stopping: closing listeners, flushing logs');
        if (offsetsTopicTimer) clearTimeout(offsetsTopicTimer);
        // Move this broker's partition leaderships first, while it still serves as a follower and
        // heartbeats, so producers see a new leader at once instead of after a fencing timeout.
        if (config.clusterNodes.length > 1) {
          const moved = await lifecycle.controlledShutdown(config.shutdownTimeoutMs / 2);
          log.info({ moved }, 'controlled shutdown: partition leaderships handed over');
        }
        lifecycle.stop();
        // Hand the controller role over first so the cluster does not wait out an election.
        if (metadata.isController && config.clusterNodes.length > 1) {
          await metadata.transferLeadership(undefined, 2_000).catch(() => false);
        }
        await kafka.close();
        groups.close();
        await replicas.close();
        elections.close();
        replicationClient.close();
        replication.close();
        control.close();
        controlClient.close();
        await metadata.close();
        await grpcServer.close();
        await http.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
