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
import { applyOnNode } from './apply/index.js';
import {
  cleanerMetrics,
  GrpcServer,
  keepReleasingFreedMemory,
  type Logger,
  type NodeConfig,
  peerCredentials,
  systemClock,
} from './common/index.js';
import { consoleNode } from './console-node.js';
import { ConsoleServer } from './console/index.js';
import { attachGroupCoordinator, OFFSETS_TOPIC } from './groups/index.js';
import { parsePartitionDirName } from './storage/index.js';
import { HttpServer } from './http/index.js';
import {
  type BrokerContext,
  CoordinatorVerifier,
  createBootstrapUsers,
  createHandlers,
  type CredentialSource,
  InterBrokerClient,
  InterBrokerService,
  interBrokerApis,
  KafkaListeners,
  KafkaMarkerTransport,
  type ListenerIdentity,
  noCoordinatorVerifier,
  QuotaEnforcer,
  RequestAuthorizer,
  RequestDispatcher,
  RequestQuotas,
} from './kafka/index.js';
import { LineServer } from './line/index.js';
import {
  BrokerHeartbeats,
  BrokerLifecycle,
  BrokerWatch,
  ClusterAdmin,
  ControlClient,
  Controller,
  ControlService,
  probeBroker,
  ProducerIdAllocator,
  QuorumAdmin,
  BrokerRetirement,
  RaftMetadataLog,
} from './metadata/index.js';
import {
  ElectionRequests,
  PartitionElections,
  LeaderBalancer,
  ReplicaManager,
  ReplicationClient,
  ReplicationService,
} from './replication/index.js';
import { NodeMetrics } from './node-metrics.js';
import { nodeDisk, timedDisk } from './storage/index.js';
import { attachTransactionCoordinator } from './transactions/index.js';

export interface RunningNode {
  readonly config: NodeConfig;
  /** The first listener's port. */
  readonly kafkaPort: number;
  readonly httpPort: number;
  /** The line protocol's port, when --line-port is set. */
  readonly linePort: number | null;
  stop(): Promise<void>;
}

/** A host as it goes into a URL or host:port: IPv6 in brackets, an empty (wildcard) host as 0.0.0.0. */
function urlHost(host: string): string {
  if (host === '') return '0.0.0.0';
  return host.includes(':') ? `[${host}]` : host;
}

const REGISTRATION_TIMEOUT_MS = 10 * 60_000;
const OFFSETS_TOPIC_RETRY_MS = 1_000;
const BOOTSTRAP_USERS_TIMEOUT_MS = 120_000;

/** Waits until this node has applied everything committed now (a ReadIndex round), retrying
 * through elections and until a joining learner first hears from the leader. */
async function caughtUp(metadata: RaftMetadataLog, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await metadata.barrier();
      return;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function startNode(config: NodeConfig, log: Logger): Promise<RunningNode> {
  await mkdir(config.dataDir, { recursive: true });
  const metrics = new NodeMetrics();
  const grpcServer = new GrpcServer(log.child({ module: 'grpc' }), peerCredentials(config));
  const metadata = await RaftMetadataLog.open(config, grpcServer, log, {
    snapshotEntries: config.raftSnapshotEntries,
    dir: join(config.dataDir, 'raft'),
  });
  metrics.follow(metadata);
  metadata.onFatal((err) => {
    log.fatal({ err }, 'metadata log failed; stopping');
    process.exit(1);
  });
  // Bound once the lifecycle exists: when the controller this node follows last answered it.
  let controllerAnsweredAtMs = (): number => 0;
  const heartbeats = new BrokerHeartbeats(config, metadata, () => controllerAnsweredAtMs());
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
    metrics.stages,
  );
  const replicationClient = new ReplicationClient(
    config,
    metadata.peers,
    systemClock,
    replication,
    log.child({ module: 'replication' }),
    grpcServer.peers.client,
    metrics.stages,
  );
  const elections = new PartitionElections(
    metadata,
    replicationClient,
    electionRequests,
    systemClock,
    log.child({ module: 'elections' }),
  );
  const leaderBalancer = new LeaderBalancer(
    config,
    metadata,
    elections,
    systemClock,
    log.child({ module: 'elections' }),
  );
  const quorumAdmin = new QuorumAdmin(metadata, metadata, log.child({ module: 'controller' }));
  const retirement = new BrokerRetirement(metadata, quorumAdmin, log.child({ module: 'controller' }));
  const brokerWatch = new BrokerWatch({
    selfId: config.nodeId,
    peers: metadata.peers,
    credentials: grpcServer.peers.client,
    onGone: (nodeId, why) => {
      metadata.controllerGone(nodeId);
      control.brokerGone(nodeId, why);
    },
    log: log.child({ module: 'controller' }),
  });
  const control: ControlService = new ControlService(
    config,
    metadata,
    controller,
    heartbeats,
    elections,
    (nodeId) => probeBroker(metadata.peers, nodeId),
    quorumAdmin,
    metadata.peers,
    brokerWatch,
    log.child({ module: 'controller' }),
  );
  control.register(grpcServer);
  replication.register(grpcServer);
  // Kafka requests between brokers (transaction markers, verifications); answered once the
  // handlers' context exists, BROKER_NOT_AVAILABLE (retried) before.
  let contextBuilt: BrokerContext | null = null;
  new InterBrokerService(
    config,
    interBrokerApis(() => contextBuilt),
    log.child({ module: 'inter-broker' }),
  ).register(grpcServer);
  const interBroker = new InterBrokerClient(config, metadata.peers, grpcServer.peers.client);
  await grpcServer.listen(config.listenHost, config.grpcPort);
  const controlClient = new ControlClient(config, metadata, control, grpcServer.peers.client, metadata.peers);
  const lifecycle = new BrokerLifecycle(config, controlClient, log.child({ module: 'lifecycle' }), (peers) =>
    metadata.peers.learn(peers),
  );
  controllerAnsweredAtMs = () => lifecycle.controllerAnsweredAtMs;
  const voter = config.clusterNodes.some((m) => m.nodeId === config.nodeId);
  log.info(
    { voters: config.clusterNodes.map((m) => m.nodeId), role: voter ? 'voter' : 'broker' },
    'waiting for the metadata quorum to register this broker',
  );
  await lifecycle.start(REGISTRATION_TIMEOUT_MS);
  // A broker beyond the voters starts with an empty log: it serves once it has caught up with
  // what was committed when it registered, so its replicas open on the cluster's real state.
  await caughtUp(metadata, REGISTRATION_TIMEOUT_MS);

  // Built after the replicas; a cut-off leader closes its clients' connections once they exist.
  let kafkaListeners: KafkaListeners | null = null;
  const replicas = await ReplicaManager.open({
    config,
    clock: systemClock,
    disk: timedDisk(nodeDisk, metrics.events.fsync),
    limits: { replicaLiveTimeoutMs: config.replicaLiveTimeoutMs },
    stages: metrics.stages,
    metadata,
    network: replicationClient,
    logger: log,
    controllerSession: lifecycle,
    leadershipsCutOff: () => {
      const closed = kafkaListeners?.closeClientConnections() ?? 0;
      log.warn({ connections: closed }, 'closed client connections: clients look for the partitions elsewhere');
    },
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
  const groups = attachGroupCoordinator(
    config,
    metadata,
    replicas,
    admin,
    log.child({ module: 'groups' }),
    metrics.events.rebalance,
  );
  let offsetsTopicTimer: NodeJS.Timeout | null = null;
  const ensureOffsetsTopic = () => {
    groups.ensureOffsetsTopic().catch((err: unknown) => {
      log.debug({ err: (err as Error).message }, 'offsets topic not created yet; retrying');
      offsetsTopicTimer = setTimeout(ensureOffsetsTopic, OFFSETS_TOPIC_RETRY_MS);
    });
  };
  ensureOffsetsTopic();
  // Transaction coordinator: follows leadership of __transaction_state, created by the first
  // FindCoordinator for a transactional id; its markers travel over the inter-broker channel.
  const transactions = attachTransactionCoordinator({
    config,
    metadata,
    replicas,
    admin,
    allocateProducerId: () => producerIds.allocate(),
    groupPartition: (groupId) => ({ topic: OFFSETS_TOPIC, partition: groups.coordinator.partitionFor(groupId) }),
    markers: new KafkaMarkerTransport(config.nodeId, interBroker, () => contextBuilt),
    log: log.child({ module: 'transactions' }),
  });

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
      registry: metrics.registry,
      routes: {
        ...groups.routes,
        ...transactions.routes,
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
    authorizer: new RequestAuthorizer(metadata.state, config),
    log: log.child({ module: 'kafka' }),
    traffic: metrics.traffic,
    stages: metrics.stages,
    // KIP-890 part 1; with transaction.partition.verification.enable=false each partition applies
    // its local rule instead, as Kafka does.
    transactionVerifier: config.transactionPartitionVerificationEnable
      ? new CoordinatorVerifier(config.nodeId, interBroker, () => context, log.child({ module: 'transactions' }))
      : noCoordinatorVerifier,
    coordinatorFor: (groupId) => groups.coordinatorFor(groupId),
    transactions: transactions.coordinator,
    txnCoordinatorFor: (transactionalId) => transactions.coordinatorFor(transactionalId),
    quorum: () => {
      const raft = metadata.status();
      const matched = new Map(raft.peers.map((p) => [p.nodeId, p.match]));
      const isLeader = raft.role === 'leader';
      return {
        isLeader,
        leaderId: raft.leaderId === 0 ? -1 : raft.leaderId,
        term: raft.term,
        commitIndex: raft.commit,
        voters: raft.confState.voters.map((nodeId) => ({
          nodeId,
          matchIndex: !isLeader ? -1 : nodeId === config.nodeId ? raft.lastIndex : (matched.get(nodeId) ?? -1),
        })),
        observers: raft.confState.learners.map((nodeId) => ({
          nodeId,
          matchIndex: !isLeader ? -1 : nodeId === config.nodeId ? raft.lastIndex : (matched.get(nodeId) ?? -1),
        })),
      };
    },
    supportedApis: () => dispatcher?.supportedApis() ?? [],
  };
  contextBuilt = context;
  const quotas = new RequestQuotas(new QuotaEnforcer(metadata.state.clientQuotas, config));
  dispatcher = new RequestDispatcher(createHandlers(context), metrics.requests, quotas);
  const credentials: CredentialSource = (user, mechanism) => metadata.state.scramUsers.credential(user, mechanism);
  const kafka = await KafkaListeners.create(config, dispatcher, credentials, log.child({ module: 'kafka' }));
  kafkaListeners = kafka;
  metrics.gauges({ metadata, replicas, groups: groups.coordinator, connections: () => kafka.connectionCount });
  cleanerMetrics(metrics.registry, {
    stats: () => replicas.logCleaner?.stats ?? null,
    *dirtyRatios() {
      for (const [name, ratio] of replicas.logCleaner?.dirtyRatios ?? []) {
        const id = parsePartitionDirName(name);
        if (id !== null) yield { topic: id.topic, partition: id.partition, ratio };
      }
    },
  });
  // Before clients can connect, so a fresh secured cluster can be logged in to at once.
  await createBootstrapUsers(
    config.bootstrapUsers,
    admin,
    log.child({ module: 'kafka' }),
    Date.now() + BOOTSTRAP_USERS_TIMEOUT_MS,
  );
  const listenerPorts = await kafka.listen();
  const kafkaPort = listenerPorts.values().next().value!;

  // Brook's in-process callers (the line protocol, the topics file) authenticate nobody; Metadata
  // answers them with the addresses of the first Kafka listener, as if they had come in there.
  const inProcessListener: ListenerIdentity = {
    name: config.kafkaListeners[0]!.name,
    securityProtocol: 'PLAINTEXT',
    authenticatesClients: false,
  };
  const line =
    config.linePort === null
      ? null
      : new LineServer(dispatcher, config.nodeId, inProcessListener, log.child({ module: 'line' }));
  const linePort =
    line === null || config.linePort === null ? null : await line.listen(config.listenHost, config.linePort);

  // The web console at / on the HTTP port; its admin calls go through this node's dispatcher.
  const webConsole = new ConsoleServer(
    consoleNode({ config, metadata, replicas, dispatcher, listeners: kafka.identities, credentials, metrics }),
    log.child({ module: 'console' }),
  );
  http.setFront(webConsole.handle);
  const httpPort = await http.listen(config.listenHost, config.httpPort);
  // The one line that says the node serves: where clients connect (what Metadata tells them) and
  // where it binds, the console and metrics.
  const httpUrl = `${http.scheme}://${urlHost(config.listenHost)}:${httpPort}`;
  log.info(
    {
      clusterId: config.clusterId,
      kafka: config.kafkaListeners.map((l) => `${l.name}://${urlHost(l.host)}:${listenerPorts.get(l.name)}`),
      advertised: config.kafkaListeners.map((l) => `${l.name}://${urlHost(l.advertisedHost)}:${l.advertisedPort}`),
      console: `${httpUrl}/`,
      metrics: `${httpUrl}/metrics`,
      ...(linePort !== null ? { line: `${urlHost(config.listenHost)}:${linePort}` } : {}),
      dataDir: config.dataDir,
    },
    'Brook node ready',
  );
  // The topics file goes through this node's own handlers, as an admin client's requests would.
  const applied =
    config.apply === null
      ? null
      : applyOnNode(config.apply, dispatcher, inProcessListener, log.child({ module: 'apply' }));

  // Memory freed after a burst goes back to the kernel instead of staying resident (common/freed-memory.ts).
  const stopReleasingFreedMemory = keepReleasingFreedMemory();
  let stopping: Promise<void> | null = null;
  return {
    config,
    kafkaPort,
    httpPort,
    linePort,
    stop() {
      stopping ??= (async () => {
        ready = false;
        log.info('stopping: closing listeners, flushing logs');
        if (offsetsTopicTimer) clearTimeout(offsetsTopicTimer);
        // Move this broker's partition leaderships first, while it still serves as a follower and
        // heartbeats, so producers see a new leader at once instead of after a fencing timeout.
        if (metadata.state.brokers.length > 1) {
          const moved = await lifecycle.controlledShutdown(config.shutdownTimeoutMs / 2);
          log.info({ moved }, 'controlled shutdown: partition leaderships handed over');
        }
        lifecycle.stop();
        // Hand the controller role over first so the cluster does not wait out an election.
        if (metadata.isController && metadata.membership().voters.length > 1) {
          await metadata.transferLeadership(undefined, 2_000).catch(() => false);
        }
        await line?.close();
        await kafka.close();
        await applied;
        transactions.close();
        interBroker.close();
        groups.close();
        await replicas.close();
        leaderBalancer.close();
        retirement.close();
        elections.close();
        replicationClient.close();
        replication.close();
        control.close();
        controlClient.close();
        await metadata.close();
        await grpcServer.close();
        webConsole.close();
        await http.close();
        stopReleasingFreedMemory();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
