// The transactional ids this node coordinates, in shards, one per __transaction_state partition
// it leads; an id belongs to the partition its hash gives (common/java-hash.ts, as in Kafka). A
// shard is rebuilt by replaying its partition when this node becomes its leader — until then its
// ids answer COORDINATOR_LOAD_IN_PROGRESS — and dropped when leadership moves (NOT_COORDINATOR).
// Every transition is written to the shard's log and becomes the id's state only once durable.
import { ErrorCode, type Logger } from '../common/index.js';
import { TransactionMetadata, type TxnSnapshot } from './metadata.js';
import { txnLogErrorCode, type TransactionStateLog } from './state-log.js';

type ShardState = 'loading' | 'active' | 'failed';

export interface Shard {
  readonly partition: number;
  readonly log: TransactionStateLog;
  state: ShardState;
  readonly txns: Map<string, TransactionMetadata>;
}

export class TxnShards {
  private readonly shards = new Map<number, Shard>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** The shard serving partition `partition`, or the error to answer: not here, still loading, or broken. */
  get(partition: number): Shard | ErrorCode {
    const shard = this.shards.get(partition);
    if (!shard) return ErrorCode.NOT_COORDINATOR;
    if (shard.state === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (shard.state === 'failed') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return shard;
  }

  /** Whether `shard` is still the one serving its partition (leadership may have moved meanwhile). */
  isCurrent(shard: Shard): boolean {
    return this.shards.get(shard.partition) === shard && shard.state === 'active';
  }

  all(): Shard[] {
    return [...this.shards.values()];
  }

  active(): Shard[] {
    return this.all().filter((s) => s.state === 'active');
  }

  get loading(): boolean {
    return this.all().some((s) => s.state === 'loading');
  }

  /**
   * Replays `log` into a new shard for `partition`; returns it once active, or null when loading
   * failed or leadership moved on meanwhile.
   */
  async load(partition: number, log: TransactionStateLog): Promise<Shard | null> {
    this.unload(partition);
    const shard: Shard = { partition, log, state: 'loading', txns: new Map() };
    this.shards.set(partition, shard);
    const started = this.now();
    const latest = new Map<string, TxnSnapshot | null>();
    try {
      await log.replay((record) => latest.set(record.transactionalId, record.value));
    } catch (err) {
      this.log.error({ err, partition }, 'loading a __transaction_state partition failed');
      if (this.shards.get(partition) === shard) shard.state = 'failed';
      return null;
    }
    if (this.shards.get(partition) !== shard) return null;
    for (const [transactionalId, snapshot] of latest) {
      if (snapshot !== null) shard.txns.set(transactionalId, new TransactionMetadata(transactionalId, snapshot));
    }
    shard.state = 'active';
    this.log[shard.txns.size > 0 ? 'info' : 'debug'](
      {
        partition,
        coordinatorEpoch: log.coordinatorEpoch,
        transactionalIds: shard.txns.size,
        loadMs: this.now() - started,
      },
      'loaded transaction coordinator partition',
    );
    return shard;
  }

  /** Drops a shard; returns whether there was one. */
  unload(partition: number): boolean {
    const shard = this.shards.get(partition);
    if (!shard) return false;
    this.shards.delete(partition);
    this.log[shard.txns.size > 0 ? 'info' : 'debug'](
      { partition, transactionalIds: shard.txns.size },
      'unloaded transaction coordinator partition',
    );
    shard.txns.clear();
    return true;
  }

  clear(): void {
    for (const partition of [...this.shards.keys()]) this.unload(partition);
  }

  /**
   * Writes the pending `transit` of `metadata` and, once durable and if this node still serves the
   * shard, makes it current. The error a producer gets otherwise.
   */
  async write(shard: Shard, metadata: TransactionMetadata, transit: TxnSnapshot): Promise<ErrorCode> {
    const id = metadata.transactionalId;
    try {
      await shard.log.append([{ transactionalId: id, value: transit }]);
    } catch (err) {
      const errorCode = txnLogErrorCode(err);
      this.log.warn(
        { err, partition: shard.partition, transactionalId: id, errorCode },
        'writing to __transaction_state failed',
      );
      if (shard.txns.get(id) === metadata) metadata.abandon(transit);
      return errorCode;
    }
    // Leadership moved while the write was in flight: the next coordinator loads it from the log.
    if (!this.isCurrent(shard) || shard.txns.get(id) !== metadata) return ErrorCode.NOT_COORDINATOR;
    metadata.complete(transit);
    return ErrorCode.NONE;
  }

  /** Writes tombstones for `expired` (each with a pending Dead transition) and forgets them once durable. */
  async expire(
    shard: Shard,
    expired: readonly { metadata: TransactionMetadata; transit: TxnSnapshot }[],
  ): Promise<void> {
    if (expired.length === 0) return;
    try {
      await shard.log.append(
        expired.map(({ metadata }) => ({ transactionalId: metadata.transactionalId, value: null })),
      );
    } catch (err) {
      this.log.warn({ err, partition: shard.partition, count: expired.length }, 'writing expiry tombstones failed');
      for (const { metadata, transit } of expired)
        if (shard.txns.get(metadata.transactionalId) === metadata) metadata.abandon(transit);
      return;
    }
    if (!this.isCurrent(shard)) return;
    for (const { metadata, transit } of expired) {
      if (shard.txns.get(metadata.transactionalId) !== metadata) continue;
      metadata.complete(transit);
      shard.txns.delete(metadata.transactionalId);
    }
    this.log.info({ partition: shard.partition, count: expired.length }, 'expired transactional ids');
  }
}
