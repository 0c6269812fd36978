// In-process Raft clusters for the driver tests: each member has its own GrpcServer on a free
// 127.0.0.1 port, its own LevelDB directory and a state machine that records what it applied.
// `kill` is a crash as far as peers can tell (server torn down, no leadership transfer);
// `restart` reopens the member from its directory on the same port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrpcServer } from '../../src/common/grpc.js';
import { silentLogger } from '../../src/common/log.js';
import type { RaftDriverOptions, RaftStateMachine } from '../../src/raft/driver.js';
import type { RaftDriver } from '../../src/raft/driver.js';
import { openNodeRaftDriver } from '../../src/raft/driver-node.js';
import type { Entry } from '../../src/raft/index.js';
import { freePort } from '../helpers/node-process.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
export const bytes = (s: string): Uint8Array => enc.encode(s);

/** Records every applied entry's payload, in order; snapshots are the whole list. */
export class ListMachine implements RaftStateMachine {
  applied: string[] = [];
  restores = 0;
  apply(entry: Entry): void {
    this.applied.push(dec.decode(entry.data));
  }
  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify(this.applied));
  }
  restore(data: Uint8Array): void {
    this.restores++;
    this.applied = JSON.parse(dec.decode(data)) as string[];
  }
}

export type DriverTuning = Partial<
  Omit<RaftDriverOptions, 'nodeId' | 'peers' | 'dir' | 'grpcServer' | 'stateMachine' | 'logger'>
>;

export interface Member {
  readonly id: number;
  readonly port: number;
  readonly dir: string;
  server: GrpcServer;
  driver: RaftDriver;
  machine: ListMachine;
  alive: boolean;
}

export class TestCluster {
  readonly members: Member[] = [];
  /** Links "from>to" on which messages are dropped (a network partition). */
  readonly cutLinks = new Set<string>();
  private readonly root: string;

  private constructor(
    private readonly ports: number[],
    private readonly tuning: DriverTuning,
  ) {
    this.root = mkdtempSync(join(tmpdir(), 'brook-raft-driver-'));
  }

  static async start(size: number, tuning: DriverTuning = {}): Promise<TestCluster> {
    const ports: number[] = [];
    for (let i = 0; i < size; i++) ports.push(await freePort());
    const cluster = new TestCluster(ports, tuning);
    await Promise.all(ports.map((_, i) => cluster.open(i + 1)));
    return cluster;
  }

  member(id: number): Member {
    const m = this.members.find((x) => x.id === id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  alive(): Member[] {
    return this.members.filter((m) => m.alive);
  }

  private async open(id: number): Promise<Member> {
    const port = this.ports[id - 1] as number;
    const dir = join(this.root, `node${id}`);
    const server = new GrpcServer(silentLogger);
    const machine = new ListMachine();
    const driver = await openNodeRaftDriver({
      clusterId: 'test-cluster',
      ...this.tuning,
      nodeId: id,
      peers: this.ports.map((p, i) => ({ nodeId: i + 1, address: `127.0.0.1:${p}` })),
      dir,
      grpcServer: server,
      stateMachine: machine,
      outboundFilter: (m) => !this.cutLinks.has(`${m.from}>${m.to}`),
      logger: silentLogger,
    });
    await server.listen('127.0.0.1', port);
    const existing = this.members.find((m) => m.id === id);
    const member: Member = { id, port, dir, server, driver, machine, alive: true };
    if (existing) Object.assign(existing, member);
    else this.members.push(member);
    return existing ?? member;
  }

  /** Cuts every link to and from `id` (both directions), as a network partition would. */
  isolate(id: number): void {
    for (const m of this.members) {
      if (m.id === id) continue;
      this.cutLinks.add(`${id}>${m.id}`);
      this.cutLinks.add(`${m.id}>${id}`);
    }
  }

  heal(): void {
    this.cutLinks.clear();
  }

  /** A crash as peers see it: the server goes away at once, nothing is handed over. */
  async kill(id: number): Promise<void> {
    const m = this.member(id);
    if (!m.alive) return;
    m.alive = false;
    m.server.server.forceShutdown();
    await m.driver.close();
  }

  async restart(id: number): Promise<Member> {
    return this.open(id);
  }

  /** The member every live member agrees leads, once there is one. */
  async waitForLeader(timeoutMs = 5_000, exclude: readonly number[] = []): Promise<Member> {
    let found: Member | undefined;
    await waitFor(() => {
      const live = this.alive();
      const leaders = live.filter((m) => m.driver.isLeader && !exclude.includes(m.id));
      const leader = leaders[0];
      if (leaders.length !== 1 || leader === undefined) return false;
      if (!live.every((m) => m.driver.leaderId === leader.id)) return false;
      found = leader;
      return true;
    }, timeoutMs);
    return found as Member;
  }

  async close(): Promise<void> {
    for (const m of this.members) {
      if (m.alive) await this.kill(m.id);
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

export async function waitFor(predicate: () => boolean, timeoutMs: number, stepMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
