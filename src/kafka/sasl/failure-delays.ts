// How long a failed authentication waits before its answer and the close (Kafka's
// connection.failed.authentication.delay.ms), doubling with each recent failure from the same
// address up to a limit, so guessing passwords from one address gets slow while one mistyped
// password costs a tenth of a second. Memory is bounded: the oldest addresses are forgotten.
import { limits } from '../../common/index.js';

interface Failures {
  count: number;
  lastAtMs: number;
}

export class FailureDelays {
  private readonly byAddress = new Map<string, Failures>();

  constructor(
    private readonly baseDelayMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a failure from `address` and returns how long to wait before answering it. */
  failed(address: string): number {
    const now = this.now();
    const previous = this.byAddress.get(address);
    const recent = previous !== undefined && now - previous.lastAtMs < limits.authenticationFailureMemoryMs;
    const count = recent ? previous.count + 1 : 1;
    // Re-inserted so the map's order is least recently failed first.
    this.byAddress.delete(address);
    this.byAddress.set(address, { count, lastAtMs: now });
    while (this.byAddress.size > limits.authenticationFailureAddressesMax) {
      this.byAddress.delete(this.byAddress.keys().next().value!);
    }
    if (this.baseDelayMs === 0) return 0;
    return Math.min(limits.authenticationFailureDelayMsMax, this.baseDelayMs * 2 ** Math.min(count - 1, 20));
  }
}
