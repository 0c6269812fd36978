// Settings of the replication core: quorum sizes and the bounds of a leader's per-follower window.
// Plain numbers; the shell maps topic configs and node flags onto them.
import { ConfigError } from '../../common/index.js';

export interface ReplicationLimits {
  /** Append requests carrying batches in flight to one follower. */
  readonly inflightRequestsMax: number;
  /** Batch bytes in flight to one follower. */
  readonly inflightBytesMax: number;
  /** Batch bytes in one append request (at least one batch is always sent). */
  readonly requestBytesMax: number;
  /** A follower hears from its leader at least this often (the high watermark rides along); idle partitions cost a heartbeat each per interval. */
  readonly heartbeatIntervalMs: number;
  /** Unanswered requests older than this are presumed lost: the follower is probed again. */
  readonly requestTimeoutMs: number;
  /** A follower silent for longer no longer counts as live (NOT_ENOUGH_REPLICAS). */
  readonly replicaLiveTimeoutMs: number;
  /** A marker holder not caught up to the log end within this long leaves the in-sync set. */
  readonly replicaLagTimeMaxMs: number;
}

export const DEFAULT_REPLICATION_LIMITS: ReplicationLimits = {
  inflightRequestsMax: 32,
  inflightBytesMax: 8 * 1024 * 1024,
  requestBytesMax: 1024 * 1024,
  heartbeatIntervalMs: 250,
  requestTimeoutMs: 1000,
  replicaLiveTimeoutMs: 1000,
  replicaLagTimeMaxMs: 10_000,
};

export function resolveLimits(overrides: Partial<ReplicationLimits> = {}): ReplicationLimits {
  const limits = { ...DEFAULT_REPLICATION_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value < 1)
      throw new ConfigError(`replication limit ${name} must be >= 1, got ${value}`);
  }
  if (limits.requestBytesMax > limits.inflightBytesMax) {
    throw new ConfigError(
      `requestBytesMax ${limits.requestBytesMax} exceeds inflightBytesMax ${limits.inflightBytesMax}`,
    );
  }
  return limits;
}

/** W + R > N: every read quorum (failover) meets every write quorum (acknowledged writes). */
export function quorumsAreSafe(replicationFactor: number, writeQuorum: number, readQuorum: number): boolean {
  return writeQuorum + readQuorum > replicationFactor;
}

/**
 * Checks N, W and R: 1 <= W <= N, 1 <= R <= N, and W + R > N unless `unsafeQuorums` is set
 * explicitly (then an acknowledged write can be lost on failover; the simulation shows how).
 */
export function validateQuorums(
  replicationFactor: number,
  writeQuorum: number,
  readQuorum: number,
  unsafeQuorums = false,
): void {
  const n = replicationFactor;
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`replication.factor must be an integer >= 1, got ${n}`);
  if (!Number.isInteger(writeQuorum) || writeQuorum < 1 || writeQuorum > n) {
    throw new ConfigError(`write.quorum must be in [1, ${n}], got ${writeQuorum}`);
  }
  if (!Number.isInteger(readQuorum) || readQuorum < 1 || readQuorum > n) {
    throw new ConfigError(`read.quorum must be in [1, ${n}], got ${readQuorum}`);
  }
  if (!unsafeQuorums && !quorumsAreSafe(n, writeQuorum, readQuorum)) {
    throw new ConfigError(
      `write.quorum ${writeQuorum} + read.quorum ${readQuorum} must exceed replication.factor ${n} (set unsafe.quorums=true to allow it)`,
    );
  }
}
