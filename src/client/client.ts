// The core of Brook's Kafka client: where the brokers are and how to reach them. It bootstraps
// from a list of host:port, learns the cluster from Metadata (brokers, controller, each
// partition's leader), keeps one connection per broker (API versions negotiated when it opens),
// finds group coordinators, and retries what Kafka calls retriable — a moved leader or
// coordinator, a broker restarting — with a backoff, refreshing metadata between tries, until the
// call's time is up. Admin, Producer and Consumer are written on top of it.
import { ErrorCode } from '../common/index.js';
import {
  CoordinatorKeyType,
  type FindCoordinatorResponse,
  type MetadataResponse,
  type MetadataResponseTopic,
} from '../kafka/index.js';
import { Api } from './api-versions.js';
import { BrokerConnection } from './broker-connection.js';
import { brokerError, ClientError, ConnectionError } from './errors.js';
import { authenticate, type SaslCredentials } from './sasl.js';
import { SocketTransport, type TlsOptions } from './socket-transport.js';
import type { Transport } from './transport.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ClientOptions {
  readonly bootstrap: readonly HostPort[];
  readonly clientId: string;
  /** Kafka's socket.connection.setup.timeout.ms. */
  readonly connectTimeoutMs: number;
  /** Kafka's request.timeout.ms: one request on one connection. */
  readonly requestTimeoutMs: number;
  /** Kafka's retry.backoff.ms. */
  readonly retryBackoffMs: number;
  /** Kafka's default.api.timeout.ms: how long one call may take, retries included. */
  readonly apiTimeoutMs: number;
  /** Opens a transport to a broker; TCP unless given (the node's in-process dispatcher). */
  readonly connect?: (address: HostPort) => Promise<Transport>;
  /** TLS on the TCP connections (security.protocol SSL or SASL_SSL). */
  readonly tls?: TlsOptions;
  /** SASL after ApiVersions on every connection (security.protocol SASL_PLAINTEXT or SASL_SSL). */
  readonly sasl?: SaslCredentials;
}

export const CLIENT_DEFAULTS = {
  clientId: 'brook-cli',
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  retryBackoffMs: 100,
  apiTimeoutMs: 60_000,
} as const;

export interface PartitionMetadata {
  readonly partition: number;
  readonly errorCode: number;
  /** -1 when the partition has no live leader. */
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offline: readonly number[];
}

export interface TopicMetadata {
  readonly name: string;
  /** NONE, or why the topic is not described (UNKNOWN_TOPIC_OR_PARTITION). */
  readonly errorCode: number;
  readonly topicId: string;
  readonly isInternal: boolean;
  readonly partitions: readonly PartitionMetadata[];
}

export interface BrokerMetadata extends HostPort {
  readonly nodeId: number;
  readonly rack: string | null;
}

export interface ClusterMetadata {
  readonly clusterId: string | null;
  readonly controllerId: number;
  readonly brokers: readonly BrokerMetadata[];
  readonly topics: readonly TopicMetadata[];
}

/** host:port, with IPv6 in brackets ([::1]:9092); a clear error for anything else. */
export function parseHostPort(text: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) throw new ClientError(`'${text}' is not host:port`);
  return { host: match[1] ?? match[2]!, port };
}

/** A comma-separated bootstrap list (Kafka's bootstrap.servers). */
export function parseBootstrap(text: string): HostPort[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new ClientError('no bootstrap server given');
  return list.map(parseHostPort);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class KafkaClient {
  private brokers = new Map<number, BrokerMetadata>();
  private readonly connections = new Map<string, Promise<BrokerConnection>>();
  private controllerIdValue = -1;
  private closed = false;

  constructor(readonly options: ClientOptions) {
    if (options.bootstrap.length === 0) throw new ClientError('no bootstrap server given');
  }

  get controllerId(): number {
    return this.controllerIdValue;
  }

  /** A connection to `address`, opened once and reused until it closes. */
  connectTo(address: HostPort): Promise<BrokerConnection> {
    if (this.closed) return Promise.reject(new ClientError('the client is closed'));
    const key = `${address.host}:${address.port}`;
    const existing = this.connections.get(key);
    if (existing) {
      return existing.then((c) => {
        if (!c.isClosed) return c;
        this.connections.delete(key);
        return this.connectTo(address);
      });
    }
    const opening = this.open(address).then(async (transport) => {
      const connection = await BrokerConnection.open(transport);
      if (this.options.sasl === undefined) return connection;
      try {
        await authenticate(connection, this.options.sasl);
      } catch (err) {
        connection.close();
        throw err;
      }
      return connection;
    });
    this.connections.set(key, opening);
    opening.catch(() => this.connections.delete(key));
    return opening;
  }

  private open(address: HostPort): Promise<Transport> {
    if (this.options.connect) return this.options.connect(address);
    return SocketTransport.connect({
      host: address.host,
      port: address.port,
      clientId: this.options.clientId,
      connectTimeoutMs: this.options.connectTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs,
      ...(this.options.tls !== undefined ? { tls: this.options.tls } : {}),
    });
  }

  /** Any broker that answers: the known brokers first, then the bootstrap list. */
  async any(): Promise<BrokerConnection> {
    const candidates = [...this.brokers.values(), ...this.options.bootstrap];
    const failures: string[] = [];
    for (const address of candidates) {
      try {
        return await this.connectTo(address);
      } catch (err) {
        if (!(err instanceof ConnectionError)) throw err;
        failures.push(err.message);
      }
    }
    throw new ConnectionError(`cannot reach any broker (${[...new Set(failures)].join('; ')})`);
  }

  /** The connection to broker `nodeId`, as Metadata last named it. */
  async node(nodeId: number): Promise<BrokerConnection> {
    if (!this.brokers.has(nodeId)) await this.metadata([]);
    const broker = this.brokers.get(nodeId);
    if (!broker)
      throw new ClientError(`broker ${nodeId} is not in the cluster's metadata`, ErrorCode.BROKER_NOT_AVAILABLE);
    return this.connectTo(broker);
  }

  /** Brokers the cluster lists now (from the last Metadata). */
  get knownBrokers(): readonly BrokerMetadata[] {
    return [...this.brokers.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  /**
   * Metadata for `topics` (null: every topic; []: none, only brokers and the controller). Unknown
   * topics come back with their error code; they are created only when `allowAutoCreate` and the
   * broker's auto.create.topics.enable say so.
   */
  async metadata(topics: readonly string[] | null, allowAutoCreate = false): Promise<ClusterMetadata> {
    const connection = await this.any();
    const response = await connection.send<MetadataResponse>(Api.Metadata, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation: allowAutoCreate,
      includeTopicAuthorizedOperations: false,
    });
    const brokers: BrokerMetadata[] = response.brokers.map((b) => ({
      nodeId: b.nodeId,
      host: b.host,
      port: b.port,
      rack: b.rack,
    }));
    this.brokers = new Map(brokers.map((b) => [b.nodeId, b]));
    this.controllerIdValue = response.controllerId;
    return {
      clusterId: response.clusterId,
      controllerId: response.controllerId,
      brokers,
      topics: response.topics.map(toTopicMetadata),
    };
  }

  /** One topic's metadata; UNKNOWN_TOPIC_OR_PARTITION (and other topic errors) thrown. */
  async topic(name: string, allowAutoCreate = false): Promise<TopicMetadata> {
    const { topics } = await this.metadata([name], allowAutoCreate);
    const topic = topics.find((t) => t.name === name);
    if (!topic) throw new ClientError(`topic ${name}: not in the broker's answer`);
    if (topic.errorCode !== ErrorCode.NONE) throw brokerError(topic.errorCode, `topic ${name}`);
    return topic;
  }

  /** The controller (the metadata quorum's leader), which answers DescribeQuorum. */
  async controller(): Promise<BrokerConnection> {
    const { controllerId } = await this.metadata([]);
    if (controllerId < 0) throw new ClientError('the cluster has no controller right now', ErrorCode.NOT_CONTROLLER);
    return this.node(controllerId);
  }

  /** The coordinator of `groupId` (FindCoordinator). */
  async coordinator(groupId: string): Promise<BrokerConnection> {
    const connection = await this.any();
    const answer = await connection.send<FindCoordinatorResponse>(Api.FindCoordinator, {
      key: groupId,
      keyType: CoordinatorKeyType.group,
    });
    if (answer.errorCode !== ErrorCode.NONE) {
      throw brokerError(answer.errorCode, `coordinator of group ${groupId}`, answer.errorMessage);
    }
    return this.connectTo({ host: answer.host, port: answer.port });
  }

  /**
   * Runs `attempt` until it succeeds, fails with an error that is not retriable, or the call's
   * time (apiTimeoutMs) is up; between tries it waits the backoff (doubling, at most 1 s).
   */
  async retrying<T>(attempt: () => Promise<T>, timeoutMs = this.options.apiTimeoutMs): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let backoffMs = this.options.retryBackoffMs;
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        const retriable = err instanceof ClientError && (err.retriable || err instanceof ConnectionError);
        if (!retriable || this.closed || Date.now() + backoffMs >= deadline) throw err;
      }
      await sleep(backoffMs);
      backoffMs = Math.min(1_000, backoffMs * 2);
    }
  }

  close(): void {
    this.closed = true;
    for (const opening of this.connections.values()) {
      opening.then(
        (c) => c.close(),
        () => undefined,
      );
    }
    this.connections.clear();
  }
}

function toTopicMetadata(topic: MetadataResponseTopic): TopicMetadata {
  return {
    name: topic.name ?? '',
    topicId: topic.topicId,
    isInternal: topic.isInternal,
    errorCode: topic.errorCode,
    partitions: topic.partitions
      .map((p) => ({
        partition: p.partitionIndex,
        errorCode: p.errorCode,
        leaderId: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicaNodes,
        isr: p.isrNodes,
        offline: p.offlineReplicas,
      }))
      .sort((a, b) => a.partition - b.partition),
  };
}
