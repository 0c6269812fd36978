// ReadIndex bookkeeping on the leader (thesis 6.4): each request records the commit index when
// it arrived and waits until a quorum of voters answered a heartbeat sent after it, which proves
// this node was still leader at that moment. Requests resolve in arrival order.
import { assert } from '../common/index.js';
import type { RaftMessage } from './messages.js';
import type { NodeId } from './types.js';

export interface ReadIndexStatus {
  readonly request: RaftMessage;
  readonly index: number;
  readonly acks: Set<NodeId>;
}

/** The map key for a request context: contexts are compared by value. */
export function contextKey(context: Uint8Array): string {
  let s = '';
  for (let i = 0; i < context.byteLength; i++) s += String.fromCharCode(context[i] as number);
  return s;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  constructor(readonly pendingMax: number) {}

  size(): number {
    return this.queue.length;
  }

  full(): boolean {
    return this.queue.length >= this.pendingMax;
  }

  /** Registers a request; a duplicate context joins the earlier request. */
  addRequest(index: number, request: RaftMessage): void {
    const key = contextKey(request.context);
    if (this.pending.has(key)) return;
    assert(!this.full(), 'read-only queue overflow');
    this.pending.set(key, { request, index, acks: new Set() });
    this.queue.push(key);
  }

  /** Records that `id` answered the heartbeat carrying `context`; returns the ackers so far. */
  recvAck(id: NodeId, context: Uint8Array): ReadonlySet<NodeId> | undefined {
    const status = this.pending.get(contextKey(context));
    if (status === undefined) return undefined;
    status.acks.add(id);
    return status.acks;
  }

  /** Removes and returns every request up to and including the one with `context`: a heartbeat
   * round confirming a later request confirms the earlier ones too. */
  advance(context: Uint8Array): ReadIndexStatus[] {
    const key = contextKey(context);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    const out: ReadIndexStatus[] = [];
    for (const k of done) {
      const status = this.pending.get(k);
      assert(status !== undefined, 'read-only queue and map disagree');
      this.pending.delete(k);
      out.push(status);
    }
    return out;
  }

  lastPendingContext(): Uint8Array | undefined {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? undefined : this.pending.get(key)?.request.context;
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
