// Embedded Brook: `startBroker()` runs a durable node — or, with `{ nodes: 3 }`, a cluster of
// nodes that elect a controller and replicate partitions over gRPC — inside the calling Node.js
// process, on free ports of 127.0.0.1 (below the kernel's range for outgoing connections, see
// common/free-port.ts), with a temporary data directory (removed by stop()) or a given one
// (kept). It is what integration tests of Kafka applications start instead of a
// container: the nodes are the same code as `brook start`, reached by any Kafka client at
// `bootstrap`. Settings are the node's flags without their dashes (`{ 'auto-create-topics':
// false }`), parsed and checked as the command line is. A node that meets a fatal error (its disk
// failing, a broken invariant) stops the process, as a node process would stop.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, type RunningNode } from './broker.js';
import { ConfigError, createLogger, freePort, LOG_LEVELS, parseConfig } from './common/index.js';

const HOST = '127.0.0.1';

export interface StartBrokerOptions {
  /** Nodes in the cluster (default 1); every one is a Raft voter and a broker. */
  readonly nodes?: number;
  /** Where the data lives (kept after stop()); a temporary directory, removed by stop(), when absent. */
  readonly dataDir?: string;
  /** pino's level for the nodes' logs on stdout (default 'warn'). */
  readonly logLevel?: (typeof LOG_LEVELS)[number];
  /** Node settings by flag name without the dashes: `{ 'default-partitions': 3 }`. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
}

export interface EmbeddedNode {
  readonly nodeId: number;
  /** host:port of its Kafka listener. */
  readonly bootstrap: string;
  readonly kafkaPort: number;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly dataDir: string;
}

export interface EmbeddedBroker {
  /** Every node's Kafka address, comma-separated (bootstrap.servers). */
  readonly bootstrap: string;
  /** The same as a list (kafkajs' `brokers`, @platformatic/kafka's `bootstrapBrokers`). */
  readonly brokers: readonly string[];
  readonly nodes: readonly EmbeddedNode[];
  /** Stops every node (each flushes and closes its logs) and removes a temporary data directory. */
  stop(): Promise<void>;
}

export async function startBroker(options: StartBrokerOptions = {}): Promise<EmbeddedBroker> {
  const count = options.nodes ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new ConfigError(`nodes must be 1 to 9, got ${count}`);
  const temporary = options.dataDir === undefined;
  const root = options.dataDir ?? mkdtempSync(join(tmpdir(), 'brook-embedded-'));
  const ports: { kafka: number; grpc: number; http: number }[] = [];
  for (let i = 0; i < count; i++)
    ports.push({ kafka: await freePort(), grpc: await freePort(), http: await freePort() });
  const voters = ports.map((p, i) => `${i + 1}@${HOST}:${p.grpc}`).join(',');
  const extra = Object.entries(options.settings ?? {}).flatMap(([name, value]) => [`--${name}`, String(value)]);
  const nodes: EmbeddedNode[] = ports.map((p, i) => ({
    nodeId: i + 1,
    bootstrap: `${HOST}:${p.kafka}`,
    kafkaPort: p.kafka,
    grpcPort: p.grpc,
    httpPort: p.http,
    dataDir: count === 1 ? root : join(root, `node-${i + 1}`),
  }));
  const started: RunningNode[] = [];
  try {
    await Promise.all(
      nodes.map(async (node) => {
        const argv = [
          ...['--node-id', String(node.nodeId), '--cluster-nodes', voters, '--data-dir', node.dataDir],
          ...['--listen-host', HOST, '--kafka-port', String(node.kafkaPort)],
          ...['--grpc-port', String(node.grpcPort), '--http-port', String(node.httpPort)],
          ...['--log-level', options.logLevel ?? 'warn', ...extra],
        ];
        // The embedding program's BROOK_* variables are not the embedded nodes' settings.
        const config = parseConfig(argv, {});
        if (config === null) throw new ConfigError('--help is not a setting');
        started.push(await startNode(config, createLogger(config.logLevel, { nodeId: node.nodeId })));
      }),
    );
  } catch (err) {
    await Promise.allSettled(started.map((n) => n.stop()));
    if (temporary) rmSync(root, { recursive: true, force: true });
    throw err;
  }
  let stopping: Promise<void> | null = null;
  const bootstrap = nodes.map((n) => n.bootstrap);
  return {
    bootstrap: bootstrap.join(','),
    brokers: bootstrap,
    nodes,
    stop() {
      stopping ??= (async () => {
        await Promise.allSettled(started.map((n) => n.stop()));
        if (temporary) rmSync(root, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
