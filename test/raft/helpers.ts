// Test harness for the Raft core: a node with its MemoryStorage "disk", a Ready loop that
// persists before it sends (the driver's contract), and a synchronous in-memory network in the
// style of etcd-io/raft's tests (cut links, isolate nodes, drop message types).
import type { Entry, HardState, RaftConfig, RaftMessage, ReadState, Ready } from '../../src/raft/index.js';
import { MemoryStorage, MessageType, RaftNode, message } from '../../src/raft/index.js';

export interface TestNode {
  readonly id: number;
  node: RaftNode;
  readonly storage: MemoryStorage;
  /** Committed entries handed to the application, in order. */
  readonly applied: Entry[];
  /** ReadIndex answers handed to the application, in order. */
  readonly readStates: ReadState[];
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Paper-faithful defaults: no pre-vote or check-quorum unless a test turns them on. */
export function newTestNode(
  id: number,
  peers: number[],
  cfg: Partial<RaftConfig> = {},
  storage: MemoryStorage = new MemoryStorage(),
): TestNode {
  const node = new RaftNode(
    { id, peers, electionTicks: 10, heartbeatTicks: 1, preVote: false, checkQuorum: false, ...cfg },
    storage,
  );
  return { id, node, storage, applied: [], readStates: [] };
}

/** A storage whose log holds entries of the given terms at indexes 1..n. */
export function storageWithLog(terms: number[], hardState?: Partial<HardState>): MemoryStorage {
  const s = new MemoryStorage();
  s.append(terms.map((term, i) => entry(term, i + 1)));
  const lastTerm = terms[terms.length - 1] ?? 0;
  s.setHardState({ term: lastTerm, vote: 0, commit: 0, ...hardState });
  return s;
}

export function entry(term: number, index: number, data = ''): Entry {
  return { term, index, type: 'normal', data: enc(data) };
}

export function persist(storage: MemoryStorage, rd: Ready): void {
  if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
}

/** Runs Ready cycles until quiet; returns the messages to send, in order. */
export function drain(t: TestNode): RaftMessage[] {
  const out: RaftMessage[] = [];
  for (let i = 0; i < 100 && t.node.hasReady(); i++) {
    const rd = t.node.ready();
    persist(t.storage, rd);
    out.push(...rd.messages);
    t.applied.push(...rd.committedEntries);
    t.readStates.push(...rd.readStates);
    t.node.advance(rd);
  }
  return out;
}

/** One Ready cycle; returns it (already persisted and advanced). */
export function cycle(t: TestNode): Ready {
  const rd = t.node.ready();
  persist(t.storage, rd);
  t.applied.push(...rd.committedEntries);
  t.readStates.push(...rd.readStates);
  t.node.advance(rd);
  return rd;
}

export function msg(fields: Pick<RaftMessage, 'type' | 'from' | 'to' | 'term'> & Partial<RaftMessage>): RaftMessage {
  return message(fields);
}

export function ofType(msgs: readonly RaftMessage[], type: MessageType): RaftMessage[] {
  return msgs.filter((m) => m.type === type);
}

/** Ticks a node until just past its election timeout (at most 2 * electionTicks). */
export function tickUntilElection(t: TestNode, electionTicks = 10): void {
  for (let i = 0; i < 2 * electionTicks; i++) {
    t.node.tick();
    if (t.node.status().role !== 'follower') return;
  }
}

export class Network {
  readonly nodes = new Map<number, TestNode>();
  private readonly cutLinks = new Set<string>();
  private readonly ignored = new Set<MessageType>();
  /** Return false to drop a message. */
  hook: ((m: RaftMessage) => boolean) | undefined = undefined;
  /** Every message delivered, for assertions. */
  readonly delivered: RaftMessage[] = [];

  constructor(nodes: TestNode[]) {
    for (const n of nodes) this.nodes.set(n.id, n);
  }

  static of(count: number, cfg: Partial<RaftConfig> = {}): Network {
    const peers = Array.from({ length: count }, (_, i) => i + 1);
    return new Network(peers.map((id) => newTestNode(id, peers, cfg)));
  }

  get(id: number): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  cut(a: number, b: number): void {
    this.cutLinks.add(`${a}-${b}`);
    this.cutLinks.add(`${b}-${a}`);
  }

  isolate(id: number): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cut(id, other);
  }

  ignore(type: MessageType): void {
    this.ignored.add(type);
  }

  recover(): void {
    this.cutLinks.clear();
    this.ignored.clear();
    this.hook = undefined;
  }

  private passes(m: RaftMessage): boolean {
    if (this.cutLinks.has(`${m.from}-${m.to}`)) return false;
    if (this.ignored.has(m.type)) return false;
    if (this.hook !== undefined && !this.hook(m)) return false;
    return this.nodes.has(m.to);
  }

  /** Delivers messages (and everything they cause) until the network is quiet. */
  send(msgs: RaftMessage[]): void {
    const queue = [...msgs];
    for (let steps = 0; queue.length > 0; steps++) {
      if (steps > 100_000) throw new Error('network did not quiesce');
      const m = queue.shift() as RaftMessage;
      if (!this.passes(m)) continue;
      this.delivered.push(m);
      const target = this.get(m.to);
      target.node.step(m);
      queue.push(...drain(target));
    }
  }

  /** Drains every node's pending Ready and delivers until quiet. */
  stabilize(): void {
    for (let round = 0; round < 1000; round++) {
      const out: RaftMessage[] = [];
      for (const n of this.nodes.values()) out.push(...drain(n));
      if (out.length === 0) return;
      this.send(out);
    }
    throw new Error('network did not stabilize');
  }

  campaign(id: number): void {
    this.get(id).node.campaign();
    this.stabilize();
  }

  propose(id: number, data: string): void {
    this.get(id).node.propose(enc(data));
    this.stabilize();
  }

  /** Ticks every node once and delivers what follows. */
  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const n of this.nodes.values()) n.node.tick();
      this.stabilize();
    }
  }

  leader(): TestNode | undefined {
    for (const n of this.nodes.values()) if (n.node.status().role === 'leader') return n;
    return undefined;
  }
}
