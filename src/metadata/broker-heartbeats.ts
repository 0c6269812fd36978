// What the controller has heard from each broker since it became controller: registrations and
// heartbeats. The control service records them and fences on silence; placement trusts only
// brokers heard recently. It is its own object so the controller (placement) and the control
// service (which hands admin calls to the controller) can each be built with it.
import { brokerHeartbeatIntervalMs, type NodeConfig } from '../common/index.js';
import type { MetadataLog } from './log.js';

/** What placement needs to know about broker liveness. */
export interface BrokerLiveness {
  /** Registered, unfenced brokers this controller heard from recently. */
  liveBrokerIds(): number[];
  /** Resolves once a new controller has had time to hear every live broker's heartbeat. */
  freshView(): Promise<void>;
}

export class BrokerHeartbeats implements BrokerLiveness {
  /** Heartbeats (and registrations) received by this controller, per broker. */
  private readonly heardAtMs = new Map<number, number>();
  /**
   * When this node became controller: every broker gets a full session from then before it is
   * fenced, while placement trusts only brokers actually heard since.
   */
  private electedAtMs = Date.now();

  constructor(
    private readonly config: Pick<NodeConfig, 'nodeId' | 'brokerSessionTimeoutMs'>,
    private readonly metadata: MetadataLog,
  ) {
    metadata.onControllerChange((isController) => {
      if (!isController) return;
      this.electedAtMs = Date.now();
      this.heardAtMs.clear();
    });
  }

  heard(nodeId: number, nowMs = Date.now()): void {
    this.heardAtMs.set(nodeId, nowMs);
  }

  /** Since when the broker has been silent: its last heartbeat, or this controller's election. */
  silentSinceMs(nodeId: number): number {
    return Math.max(this.heardAtMs.get(nodeId) ?? 0, this.electedAtMs);
  }

  liveBrokerIds(): number[] {
    const now = Date.now();
    const recentMs = this.config.brokerSessionTimeoutMs / 2;
    return this.metadata.state.brokers
      .filter(
        (b) => !b.fenced && (b.nodeId === this.config.nodeId || now - (this.heardAtMs.get(b.nodeId) ?? 0) <= recentMs),
      )
      .map((b) => b.nodeId);
  }

  async freshView(): Promise<void> {
    // Two heartbeat intervals after an election every live broker has been heard.
    const waitMs = this.electedAtMs + 2 * brokerHeartbeatIntervalMs(this.config) - Date.now();
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  }
}
