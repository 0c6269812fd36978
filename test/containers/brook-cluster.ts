// A Brook cluster in Docker containers for chaos tests: one container per node on a user-defined
// network (nodes reach each other as brook-<id>:9093), Kafka and HTTP published on fixed free
// host ports, and each node advertising 127.0.0.1:<its published Kafka port>, so clients
// on the host follow Metadata to the right container. Faults: kill (SIGKILL, the container's
// anonymous data volume survives) and restart, and cutting a node off the network and back.
import {
  getContainerRuntimeClient,
  GenericContainer,
  Network,
  Wait,
  type StartedNetwork,
  type StartedTestContainer,
} from 'testcontainers';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../src/common/index.js';
import { sleep } from '../helpers/node-process.js';
import type { WorkloadNode } from '../chaos/workload.js';

// Testcontainers' reaper (Ryuk) is an image from a registry this suite cannot assume; every
// container and network is removed by BrookCluster.remove() instead (tests call it in afterAll).
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

const CONTAINER_KAFKA_PORT = 9092;
const CONTAINER_GRPC_PORT = 9093;
const CONTAINER_HTTP_PORT = 9094;
const READY_TIMEOUT_MS = 60_000;
/** Log lines per node written to BROOK_TEST_LOG_DIR when the cluster is removed. */
const LOG_LINES_KEPT_MAX = 200_000;
/**
 * Published ports: free on every interface (Docker binds 0.0.0.0), above the node processes' range
 * and below the kernel's for outgoing connections, so none is taken while a killed node is down
 * and the node gets it back on restart.
 */
const PUBLISHED_PORTS = { min: 20_000, max: 32_000, host: '0.0.0.0' } as const;
/** Marks containers of this suite with the test process's pid, to clean up after a killed run. */
const OWNER_LABEL = 'dev.brook.test-owner-pid';
/** The id of the network the container was started on, to remove it with the leftovers. */
const NETWORK_LABEL = 'dev.brook.test-network';

export interface ClusterOptions {
  readonly image: string;
  readonly nodes: number;
  /** Extra BROOK_* settings for every node. */
  readonly env?: Readonly<Record<string, string>>;
}

export class BrookContainer implements WorkloadNode {
  /** Up and attached to the network: worth sending requests to. */
  running = true;

  constructor(
    readonly nodeId: number,
    readonly kafkaPort: number,
    readonly httpPort: number,
    private readonly started: StartedTestContainer,
    private readonly network: StartedNetwork,
  ) {}

  get bootstrap(): string {
    return `127.0.0.1:${this.kafkaPort}`;
  }

  get alias(): string {
    return `brook-${this.nodeId}`;
  }

  get containerId(): string {
    return this.started.getId();
  }

  /** SIGKILL: no flush, no leadership handover. The container and its volume stay. */
  async kill(): Promise<void> {
    const client = await getContainerRuntimeClient();
    this.running = false;
    await client.container.getById(this.containerId).kill({ signal: 'SIGKILL' });
  }

  /** SIGSTOP to the node's process: it freezes with its sockets open (a long pause, a hung host). */
  async freeze(): Promise<void> {
    const client = await getContainerRuntimeClient();
    this.running = false;
    await client.container.getById(this.containerId).kill({ signal: 'SIGSTOP' });
  }

  /** SIGCONT after freeze(): the node goes on from where it stopped, its view of the cluster stale. */
  async thaw(): Promise<void> {
    const client = await getContainerRuntimeClient();
    await client.container.getById(this.containerId).kill({ signal: 'SIGCONT' });
    await this.waitReady();
    this.running = true;
  }

  /** Starts the killed container again (same volume, same published ports) and waits for /readyz. */
  async restart(): Promise<void> {
    const client = await getContainerRuntimeClient();
    await client.container.getById(this.containerId).start();
    await this.waitReady();
    this.running = true;
  }

  /**
   * Detaches the container from the cluster network: its peers cannot reach it nor it them. It
   * stays on Docker's default bridge (testcontainers starts it there, then adds the cluster
   * network), so its published ports still answer: clients on the host can still talk to it.
   */
  async isolate(): Promise<void> {
    const client = await getContainerRuntimeClient();
    this.running = false;
    await client.network.getById(this.network.getId()).disconnect({ Container: this.containerId, Force: true });
  }

  /** Attaches it again under its alias (published ports come back with it). */
  async heal(): Promise<void> {
    const client = await getContainerRuntimeClient();
    await client.network
      .getById(this.network.getId())
      .connect({ Container: this.containerId, EndpointConfig: { Aliases: [this.alias] } });
    await this.waitReady();
    this.running = true;
  }

  async waitReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`http://127.0.0.1:${this.httpPort}/readyz`, {
          signal: AbortSignal.timeout(1_000),
        });
        if (response.ok) return;
        last = `HTTP ${response.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(100);
    }
    throw new Error(`${this.alias} not ready in ${timeoutMs} ms (${last}):\n${await this.logs(40)}`);
  }

  /** The container's address on the cluster network ('' while detached). */
  async ipAddress(): Promise<string> {
    try {
      const client = await getContainerRuntimeClient();
      const info = await client.container.getById(this.containerId).inspect();
      return Object.values(info.NetworkSettings.Networks)
        .map((n) => n.IPAddress)
        .join(',');
    } catch (err) {
      return `(unknown: ${(err as Error).message})`;
    }
  }

  /** The last lines the node logged, for failure messages. */
  async logs(lines: number): Promise<string> {
    try {
      const client = await getContainerRuntimeClient();
      const output = await client.container
        .getById(this.containerId)
        .logs({ stdout: true, stderr: true, tail: lines, follow: false });
      return demultiplex(output);
    } catch (err) {
      return `(no logs: ${(err as Error).message})`;
    }
  }
}

/** Docker's log stream frames each chunk with an 8-byte header (stream, 0, 0, 0, length). */
function demultiplex(raw: Buffer): string {
  const parts: string[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const length = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + length).toString('utf8'));
    at += 8 + length;
  }
  return parts.join('');
}

export class BrookCluster {
  private constructor(
    readonly nodes: readonly BrookContainer[],
    private readonly network: StartedNetwork,
  ) {}

  /**
   * Starts every node at once (a node is ready only after the metadata quorum registered it).
   * On failure whatever started is removed before the error is thrown.
   */
  static async start(options: ClusterOptions): Promise<BrookCluster> {
    await removeLeftovers();
    const network = await new Network().start();
    const ids = Array.from({ length: options.nodes }, (_, i) => i + 1);
    const clusterNodes = ids.map((id) => `${id}@brook-${id}:${CONTAINER_GRPC_PORT}`).join(',');
    const ports: { kafka: number; http: number }[] = [];
    for (const _ of ids) ports.push({ kafka: await freePort(PUBLISHED_PORTS), http: await freePort(PUBLISHED_PORTS) });
    const attempts = await Promise.allSettled(
      ids.map(async (id, i) => {
        const { kafka, http } = ports[i]!;
        const started = await new GenericContainer(options.image)
          .withNetwork(network)
          .withNetworkAliases(`brook-${id}`)
          .withHostname(`brook-${id}`)
          .withLabels({ [OWNER_LABEL]: String(process.pid), [NETWORK_LABEL]: network.getId() })
          .withEnvironment({
            BROOK_LOG_LEVEL: process.env.BROOK_TEST_LOG_LEVEL ?? 'info',
            ...options.env,
            BROOK_NODE_ID: String(id),
            BROOK_CLUSTER_NODES: clusterNodes,
            BROOK_ADVERTISED_HOST: '127.0.0.1',
            BROOK_ADVERTISED_PORT: String(kafka),
          })
          .withExposedPorts(
            { container: CONTAINER_KAFKA_PORT, host: kafka },
            { container: CONTAINER_HTTP_PORT, host: http },
          )
          // The image has no tools for testcontainers' in-container port probe; ask Brook itself.
          .withWaitStrategy(Wait.forHttp('/readyz', CONTAINER_HTTP_PORT).forStatusCode(200))
          .withStartupTimeout(READY_TIMEOUT_MS)
          .start();
        return new BrookContainer(id, kafka, http, started, network);
      }),
    );
    const nodes = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    const cluster = new BrookCluster(nodes, network);
    const failed = attempts.find((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (failed) {
      const logs = await Promise.all(nodes.map(async (n) => `--- ${n.alias}\n${await n.logs(30)}`));
      await cluster.remove();
      throw new Error(`cluster did not start: ${(failed.reason as Error).message}\n${logs.join('\n')}`);
    }
    return cluster;
  }

  node(nodeId: number): BrookContainer {
    const node = this.nodes.find((n) => n.nodeId === nodeId);
    if (!node) throw new Error(`no node ${nodeId} in the cluster`);
    return node;
  }

  /** Removes every container (with its volumes) and the network; never throws. */
  async remove(): Promise<void> {
    const client = await getContainerRuntimeClient();
    // To read where a run's time went (fencing, elections) after the containers are gone.
    const logDir = process.env.BROOK_TEST_LOG_DIR;
    if (logDir !== undefined) {
      mkdirSync(logDir, { recursive: true });
      for (const n of this.nodes) writeFileSync(join(logDir, `${n.alias}.log`), await n.logs(LOG_LINES_KEPT_MAX));
    }
    await Promise.all(
      this.nodes.map((n) =>
        client.container
          .getById(n.containerId)
          .remove({ force: true, v: true })
          .catch(() => undefined),
      ),
    );
    await this.network.stop().catch(() => undefined);
  }
}

/** Containers (and their networks) a killed earlier run left behind (its pid is gone). */
async function removeLeftovers(): Promise<void> {
  const client = await getContainerRuntimeClient();
  const containers = await client.container.dockerode.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
  const networks = new Set<string>();
  for (const info of containers) {
    const pid = Number(info.Labels[OWNER_LABEL]);
    if (pid === process.pid || processAlive(pid)) continue;
    await client.container
      .getById(info.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
    const network = info.Labels[NETWORK_LABEL];
    if (network) networks.add(network);
  }
  for (const id of networks)
    await client.network
      .getById(id)
      .remove()
      .catch(() => undefined);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
