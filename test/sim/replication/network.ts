// The simulation's in-memory network: every message is an event on the shared queue, delayed by a
// floor plus exponential jitter (so messages overtake each other), and while faults are on it is
// dropped or duplicated at per-seed rates. Partitions block directed links ("a>b"); a blocked or
// dead destination loses the message at delivery time.
import type { Prng } from '../../../src/raft/prng.js';
import type { EventQueue } from '../event-queue.js';
import type { SimMessage } from './messages.js';

export interface NetworkParams {
  dropRate: number;
  dupRate: number;
  delayMinMs: number;
  delayMeanMs: number;
}

export class SimNetwork {
  faults = true;
  private blocked = new Set<string>();
  sent = 0;
  delivered = 0;

  constructor(
    private readonly queue: EventQueue,
    private readonly rng: Prng,
    private readonly clock: () => number,
    private readonly params: NetworkParams,
    private readonly deliver: (m: SimMessage) => void,
  ) {}

  send(m: SimMessage): void {
    this.sent++;
    if (this.faults && this.rng.next() < this.params.dropRate) return;
    // Client requests ride one TCP connection: never duplicated (a client retry would be a new
    // request, and without idempotence a duplicate write is allowed). Replication RPCs may be.
    const copies = this.faults && m.kind !== 'produce' && this.rng.next() < this.params.dupRate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const delay = this.params.delayMinMs + Math.floor(-Math.log(1 - this.rng.next()) * this.params.delayMeanMs);
      this.queue.push(this.clock() + delay, () => {
        if (this.blocked.has(`${m.from}>${m.to}`)) return;
        this.delivered++;
        this.deliver(m);
      });
    }
  }

  /** Replaces the set of blocked directed links. */
  setBlocked(links: Set<string>): void {
    this.blocked = links;
  }

  get blockedLinks(): ReadonlySet<string> {
    return this.blocked;
  }

  heal(): void {
    this.faults = false;
    this.blocked = new Set();
  }
}
