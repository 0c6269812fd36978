// Starts real Brook node processes (dist/node.js) on free 127.0.0.1 ports with their own data
// directories, for integration and chaos tests. Every process started here is killed and every
// directory removed by `stopAll()`, which test files call in afterAll.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort as freePortIn } from '../../src/common/index.js';

const NODE_ENTRY = resolve(import.meta.dirname, '../../dist/node.js');

/** Where node processes' ports are drawn from: below the container suite's (20,000-32,000). */
const PORT_RANGE = { min: 10_000, max: 20_000 } as const;

/** A port free on 127.0.0.1 now, from the node processes' range (see src/common/free-port.ts). */
export function freePort(): Promise<number> {
  return freePortIn(PORT_RANGE);
}

export interface NodeOptions {
  readonly nodeId?: number;
  readonly clusterNodes?: string;
  readonly dataDir?: string;
  /** The port readiness is checked on; with `listeners`, one of theirs. */
  readonly kafkaPort?: number;
  /** --listeners instead of --kafka-port (NAME://127.0.0.1:port,...). */
  readonly listeners?: string;
  readonly grpcPort?: number;
  readonly httpPort?: number;
  readonly extraArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export class NodeProcess {
  private child: ChildProcess | null = null;
  private output: string[] = [];
  private exitCode: number | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly nodeId: number,
    readonly dataDir: string,
    readonly kafkaPort: number,
    readonly grpcPort: number,
    readonly httpPort: number,
    private readonly args: readonly string[],
    private readonly env: Readonly<Record<string, string>>,
  ) {}

  get bootstrap(): string {
    return `127.0.0.1:${this.kafkaPort}`;
  }

  /** The process id while it runs (for /proc/<pid>: memory, open files). */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== null && this.exitCode === null;
  }

  /** Everything the process wrote, for failure messages. */
  get logs(): string {
    return this.output.join('');
  }

  async start(readyTimeoutMs = 30_000): Promise<void> {
    if (this.running) throw new Error(`node ${this.nodeId} already running`);
    this.output = [];
    this.exitCode = null;
    const child = spawn(process.execPath, [NODE_ENTRY, ...this.args], {
      env: { ...process.env, BROOK_LOG_LEVEL: process.env.BROOK_TEST_LOG_LEVEL ?? 'info', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    // BROOK_TEST_LOG_DIR keeps every line on disk too, to read where a run's time went.
    const logDir = process.env.BROOK_TEST_LOG_DIR;
    if (logDir !== undefined) mkdirSync(logDir, { recursive: true });
    const keep = (chunk: Buffer) => {
      if (logDir !== undefined) appendFileSync(join(logDir, `node-${this.nodeId}.log`), chunk);
      this.output.push(chunk.toString());
      if (this.output.length > 5000) this.output.splice(0, 1000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 : 0);
        resolveExit();
      });
    });
    await this.waitUntilReady(readyTimeoutMs);
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exitCode !== null)
        throw new Error(`node ${this.nodeId} exited with ${this.exitCode}:\n${this.logs.slice(-4000)}`);
      if (this.logs.includes('Brook node ready') && (await canConnect(this.kafkaPort))) return;
      await sleep(50);
    }
    throw new Error(`node ${this.nodeId} not ready in ${timeoutMs} ms:\n${this.logs.slice(-4000)}`);
  }

  /** kill -9: no flush, no goodbye. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGSTOP: the process freezes with its sockets open (a long GC pause, a hung host). */
  pause(): void {
    if (this.running) this.child?.kill('SIGSTOP');
  }

  /** SIGCONT after pause(). */
  resume(): void {
    if (this.running) this.child?.kill('SIGCONT');
  }

  /** SIGTERM and wait for the graceful stop. */
  async stop(): Promise<number | null> {
    if (!this.running) return this.exitCode;
    // This process only: a node started again within the grace period is another child.
    const child = this.child;
    child?.kill('SIGCONT');
    child?.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolveTimeout) => {
      timer = setTimeout(() => {
        child?.kill('SIGKILL');
        resolveTimeout();
      }, 15_000);
    });
    await Promise.race([this.exited, timeout]);
    await this.exited;
    clearTimeout(timer);
    return this.exitCode;
  }

  /** Stops the process (if needed) and waits for it. */
  async waitForExit(): Promise<number | null> {
    await this.exited;
    return this.exitCode;
  }
}

const started: NodeProcess[] = [];
const dirs: string[] = [];

export function tempDir(prefix = 'brook-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Creates (does not start) a node with free ports and a fresh data directory. */
export async function createNode(options: NodeOptions = {}): Promise<NodeProcess> {
  const nodeId = options.nodeId ?? 1;
  const dataDir = options.dataDir ?? tempDir();
  const kafkaPort = options.kafkaPort ?? (await freePort());
  const grpcPort = options.grpcPort ?? (await freePort());
  const httpPort = options.httpPort ?? (await freePort());
  const args = [
    '--node-id',
    String(nodeId),
    '--cluster-nodes',
    options.clusterNodes ?? `${nodeId}@127.0.0.1:${grpcPort}`,
    '--data-dir',
    dataDir,
    '--listen-host',
    '127.0.0.1',
    ...(options.listeners !== undefined ? ['--listeners', options.listeners] : ['--kafka-port', String(kafkaPort)]),
    '--grpc-port',
    String(grpcPort),
    '--http-port',
    String(httpPort),
    ...(options.extraArgs ?? []),
  ];
  const node = new NodeProcess(nodeId, dataDir, kafkaPort, grpcPort, httpPort, args, options.env ?? {});
  started.push(node);
  return node;
}

/** Creates and starts a single node. */
export async function startSingleNode(options: NodeOptions = {}): Promise<NodeProcess> {
  const node = await createNode(options);
  await node.start();
  return node;
}

/** Kills every node this file started and removes their directories. Call in afterAll. */
export async function stopAll(): Promise<void> {
  await Promise.all(started.splice(0).map((node) => node.kill()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` every `stepMs` until it returns a value (not null, undefined or false); the last error is in the timeout's message. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 10_000,
  stepMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null && value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    await sleep(stepMs);
  }
  throw new Error(
    `timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
  );
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once('error', () => resolveConnect(false));
  });
}

/** Creates and starts an n-node cluster on free ports; all nodes start together (quorum). */
export async function startCluster(
  count: number,
  options: {
    extraArgs?: readonly string[];
    /** More arguments for one node (its own certificate). */
    extraArgsFor?: (nodeId: number) => readonly string[];
    env?: Readonly<Record<string, string>>;
    /** Nodes 1..voters are the Raft voters (--cluster-nodes), the rest brokers beyond them (default: all vote). */
    voters?: number;
  } = {},
): Promise<NodeProcess[]> {
  const ports = [];
  for (let i = 0; i < count; i++)
    ports.push({ kafka: await freePort(), grpc: await freePort(), http: await freePort() });
  const voters = options.voters ?? count;
  const clusterNodes = ports
    .slice(0, voters)
    .map((p, i) => `${i + 1}@127.0.0.1:${p.grpc}`)
    .join(',');
  const nodes: NodeProcess[] = [];
  for (let i = 0; i < count; i++) {
    nodes.push(
      await createNode({
        nodeId: i + 1,
        clusterNodes,
        kafkaPort: ports[i]!.kafka,
        grpcPort: ports[i]!.grpc,
        httpPort: ports[i]!.http,
        extraArgs: [...(options.extraArgs ?? []), ...(options.extraArgsFor?.(i + 1) ?? [])],
        env: options.env,
      }),
    );
  }
  // Brokers beyond the voters register with the controller, so the voters come first.
  await Promise.all(nodes.slice(0, voters).map((node) => node.start()));
  await Promise.all(nodes.slice(voters).map((node) => node.start()));
  return nodes;
}

/** GET a node's HTTP endpoint as JSON. */
export async function httpJson<T = Record<string, unknown>>(node: NodeProcess, path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${node.httpPort}${path}`);
  return (await response.json()) as T;
}
