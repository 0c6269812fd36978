// The simulation's network between the controller (0), the nodes (1..N) and the clients (100..):
// every message is an event on the virtual loop, delayed by a floor plus exponential jitter (so
// messages overtake each other), and while faults are on it is dropped or duplicated at per-seed
// rates. Partitions block directed links; a blocked link loses the message at delivery time. What
// a message carries is the receiver's business: `deliver` runs at the receiving end, and checks
// that the process it was meant for is still the one running there.
import type { Prng } from '../../../src/raft/prng.js';
import type { SimLoop } from './sim-loop.js';

export const CONTROLLER_ID = 0;
export const CLIENT_ID_BASE = 100;

export interface NetworkParams {
  readonly dropRate: number;
  readonly dupRate: number;
  readonly delayMinMs: number;
  readonly delayMeanMs: number;
}

export class SimNetwork {
  private faults = true;
  private blocked = new Set<string>();
  sent = 0;
  delivered = 0;

  constructor(
    private readonly loop: SimLoop,
    private readonly rng: Prng,
    private readonly params: NetworkParams,
  ) {}

  /**
   * Sends a message from `from` to `to`. `duplicable` is false for what rides a client's TCP
   * connection (a produce is never delivered twice: a retry would be a new request); replication
   * and controller calls may arrive twice.
   */
  send(from: number, to: number, deliver: () => void, duplicable = true): void {
    this.sent++;
    if (this.faults && this.rng.next() < this.params.dropRate) return;
    const copies = this.faults && duplicable && this.rng.next() < this.params.dupRate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const delay = this.params.delayMinMs + Math.floor(-Math.log(1 - this.rng.next()) * this.params.delayMeanMs);
      this.loop.schedule(delay, () => {
        if (this.blocked.has(`${from}>${to}`)) return;
        this.delivered++;
        deliver();
      });
    }
  }

  /** Replaces the set of blocked directed links ("a>b"). */
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
