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
  /** The controller this node last followed, while it is not the controller itself (-1: none). */
  private followedControllerId = -1;
  /**
   * The controller this node took over from and when it last answered this node's heartbeat:
   * its silence began then, not at this election. A killed controller that was also a broker is
   * fenced as soon as its successor is elected (its session lapsed meanwhile), instead of a
   * whole session later, which in a container (no connection is refused) doubled the failover.
   * Only once a probe found it unreachable (see unreachable()).
   */
  private previousController: { readonly nodeId: number; readonly answeredAtMs: number; unreachable: boolean } | null =
    null;

  constructor(
    private readonly config: Pick<NodeConfig, 'nodeId' | 'brokerSessionTimeoutMs'>,
    private readonly metadata: MetadataLog,
    /** When a controller last answered this node's own heartbeat (BrokerLifecycle), 0 if never. */
    private readonly controllerAnsweredAtMs: () => number = () => 0,
  ) {
    metadata.onControllerChange((isController, controllerId) => {
      if (!isController) {
        if (controllerId > 0 && controllerId !== config.nodeId) this.followedControllerId = controllerId;
        return;
      }
      const now = Date.now();
      const answeredAtMs = this.controllerAnsweredAtMs();
      // Only an answer from before this election, and not from the future (a clock step).
      this.previousController =
        this.followedControllerId > 0 && answeredAtMs > 0 && answeredAtMs <= now
          ? { nodeId: this.followedControllerId, answeredAtMs, unreachable: false }
          : null;
      this.followedControllerId = -1;
      this.electedAtMs = now;
      this.heardAtMs.clear();
    });
  }

  heard(nodeId: number, nowMs = Date.now()): void {
    this.heardAtMs.set(nodeId, nowMs);
  }

  /**
   * A probe found no process accepting on the broker's port in time. Only then does the previous
   * controller's silence date from its last answer: a controller that was merely deposed (alive,
   * a slow voter's election) accepts the probe and keeps a full session.
   */
  unreachable(nodeId: number): void {
    if (this.previousController?.nodeId === nodeId) this.previousController.unreachable = true;
  }

  /** Every broker gets a full session from `nowMs`, as after an election (this controller stalled). */
  restartSessions(nowMs = Date.now()): void {
    this.electedAtMs = nowMs;
    this.previousController = null;
  }

  /**
   * Since when the broker has been silent: its last heartbeat, or this controller's election (for
   * the controller it took over from and has not heard since: that one's last answer to this node).
   */
  silentSinceMs(nodeId: number): number {
    const heardAtMs = this.heardAtMs.get(nodeId);
    const previous = this.previousController;
    if (heardAtMs === undefined && previous?.nodeId === nodeId && previous.unreachable) return previous.answeredAtMs;
    return Math.max(heardAtMs ?? 0, this.electedAtMs);
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
