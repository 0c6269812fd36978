// A topic's write and read quorums, from its typed settings and replication factor: write.quorum
// W (alias min.insync.replicas) defaults to a majority, read.quorum R to N - W + 1, and W + R > N
// is required unless unsafe.quorums=true, so every R-set of replicas meets every W-set.
import { ErrorCode, KafkaError } from '../errors.js';
import type { TopicOverrides } from './typed.js';

export interface Quorums {
  readonly replicationFactor: number;
  readonly writeQuorum: number;
  readonly readQuorum: number;
}

export type QuorumSettings = Pick<TopicOverrides, 'writeQuorum' | 'minInsyncReplicas' | 'readQuorum' | 'unsafeQuorums'>;

/** Throws INVALID_CONFIG when the quorums do not fit the replication factor. */
export function resolveQuorums(replicationFactor: number, settings: QuorumSettings): Quorums {
  const n = replicationFactor;
  const writeQuorum = settings.writeQuorum ?? settings.minInsyncReplicas ?? Math.floor(n / 2) + 1;
  const readQuorum = settings.readQuorum ?? n - writeQuorum + 1;
  if (writeQuorum < 1 || writeQuorum > n) {
    throw new KafkaError(
      ErrorCode.INVALID_CONFIG,
      `write.quorum ${writeQuorum} must be in [1, replication factor ${n}]`,
    );
  }
  if (readQuorum < 1 || readQuorum > n) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `read.quorum ${readQuorum} must be in [1, replication factor ${n}]`);
  }
  if (writeQuorum + readQuorum <= n && settings.unsafeQuorums !== true) {
    throw new KafkaError(
      ErrorCode.INVALID_CONFIG,
      `write.quorum ${writeQuorum} + read.quorum ${readQuorum} must exceed replication factor ${n} ` +
        '(set unsafe.quorums=true to allow)',
    );
  }
  return { replicationFactor: n, writeQuorum, readQuorum };
}
