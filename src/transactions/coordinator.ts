// The transaction coordinator of one node, after Kafka's TransactionCoordinator: it serves the
// transactional ids of the __transaction_state partitions this node leads (shards.ts) and answers
// InitProducerId, AddPartitionsToTxn (and its KIP-890 verification), AddOffsetsToTxn, EndTxn,
// DescribeTransactions and ListTransactions. The order of a transaction's end, which is what keeps
// transactions atomic across failures:
//   1. EndTxn writes PrepareCommit (or PrepareAbort) and answers once it is durable;
//   2. the marker channel writes COMMIT (ABORT) markers to every partition of the transaction and
//      retries each until durable under its partition's write quorum;
//   3. only then CompleteCommit (CompleteAbort) is written; until it is durable the id answers
//      CONCURRENT_TRANSACTIONS to whatever would start its next transaction.
// A coordinator that takes over a partition replays it and resumes step 2 for every transaction
// in Prepare*; an Ongoing transaction whose coordinator died is aborted by the timeout pass, at a
// bumped epoch so its producer is fenced wherever it writes next.
// Every input (time, the logs, producer ids, the markers' transport, partition leaders) comes in
// as a parameter: the seeded simulation runs this class unchanged.
import {
  assert,
  type Clock,
  ErrorCode,
  limits,
  type Logger,
  partitionForKey,
  type ScheduledTask,
} from '../common/index.js';
import { TxnMarkerChannel, type Completion, type MarkerTransport, type PartitionLeader } from './marker-channel.js';
import {
  isEpochExhausted,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  parsePartitionKey,
  partitionKey,
  TransactionMetadata,
  type TxnSnapshot,
} from './metadata.js';
import { type Shard, TxnShards } from './shards.js';
import { isExpirationAllowed, isTxnStateName, TxnState } from './state.js';
import type { TransactionStateLog } from './state-log.js';

export interface TransactionCoordinatorOptions {
  readonly transactionMaxTimeoutMs: number;
  readonly transactionalIdExpirationMs: number;
  readonly abortTimedOutTransactionsIntervalMs: number;
  readonly removeExpiredTransactionalIdsIntervalMs: number;
  /** Partitions of __transaction_state (the topic's actual count once it exists). */
  txnPartitionCount(): number;
  /** A producer id never handed out before (the metadata log's blocks). */
  allocateProducerId(): Promise<number>;
  /** The __consumer_offsets partition holding a group's offsets (AddOffsetsToTxn adds it). */
  groupPartition(groupId: string): TopicPartition;
  readonly markers: MarkerTransport;
  leaderOf(topic: string, partition: number): PartitionLeader;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface PartitionError extends TopicPartition {
  readonly errorCode: ErrorCode;
}

export interface InitProducerIdParams {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  /** KIP-360: the producer's current id and epoch, or -1 and -1. */
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface InitProducerIdResult {
  readonly errorCode: ErrorCode;
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface TransactionDescription {
  readonly errorCode: ErrorCode;
  readonly transactionalId: string;
  readonly state: string;
  readonly transactionTimeoutMs: number;
  readonly transactionStartTimeMs: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly partitions: readonly TopicPartition[];
}

export interface TransactionListing {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly state: TxnState;
}

export interface ListTransactionsFilter {
  /** State names; empty: all. Unknown names match nothing. */
  readonly states: readonly string[];
  /** Empty: all. */
  readonly producerIds: readonly number[];
  /** Only transactions running at least this long (ListTransactions v1); -1: all. */
  readonly durationMs: number;
}

const INIT_FAILED = { producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };

export class TransactionCoordinator {
  private readonly shards: TxnShards;
  private readonly channel: TxnMarkerChannel;
  private readonly timers: ScheduledTask[] = [];
  /** Whose markers each completion writes: only that shard and id object may complete it. */
  private readonly owners = new WeakMap<Completion, { shard: Shard; metadata: TransactionMetadata }>();
  private closed = false;

  constructor(private readonly options: TransactionCoordinatorOptions) {
    this.shards = new TxnShards(options.log, () => options.clock.now());
    this.channel = new TxnMarkerChannel({
      transport: options.markers,
      leaderOf: (topic, partition) => options.leaderOf(topic, partition),
      clock: options.clock,
      log: options.log,
      onWritten: (completion) => this.markersWritten(completion, 0),
    });
    this.timers.push(
      options.clock.every(options.abortTimedOutTransactionsIntervalMs, () => this.abortTimedOutTransactions()),
      options.clock.every(options.removeExpiredTransactionalIdsIntervalMs, () => {
        void this.removeExpiredTransactionalIds();
      }),
    );
  }

  private get now(): number {
    return this.options.clock.now();
  }

  /** The __transaction_state partition that holds `transactionalId`. */
  partitionFor(transactionalId: string): number {
    return partitionForKey(transactionalId, this.options.txnPartitionCount());
  }

  /** Transactions whose markers are being written on this node. */
  get completionsPending(): number {
    return this.channel.size;
  }

  // ---------------------------------------------------------------- leadership

  /**
   * This node became the leader of __transaction_state partition `partition` (log) or stopped
   * leading it (null). Loading replays the log and resumes every transaction in Prepare*.
   */
  async onPartitionLeadership(partition: number, log: TransactionStateLog | null): Promise<void> {
    this.channel.cancelTxnPartition(partition);
    if (log === null || this.closed) {
      this.shards.unload(partition);
      return;
    }
    const shard = await this.shards.load(partition, log);
    if (shard === null || this.closed) return;
    for (const metadata of shard.txns.values()) {
      if (metadata.state === TxnState.PrepareCommit || metadata.state === TxnState.PrepareAbort) {
        this.options.log.info(
          {
            transactionalId: metadata.transactionalId,
            state: metadata.state,
            partitions: metadata.current.partitions.size,
          },
          'resuming the markers of a transaction loaded in its prepare state',
        );
        this.completeTransaction(shard, metadata);
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) timer.cancel();
    this.channel.close();
    this.shards.clear();
  }

  /** The shard of `transactionalId`, or the error its requests get. */
  private shardOf(transactionalId: string): Shard | ErrorCode {
    return this.shards.get(this.partitionFor(transactionalId));
  }

  /**
   * Runs `attempt` again each time the id's transition in progress finishes, while it answers
   * CONCURRENT_TRANSACTIONS, for up to txnConcurrentWaitMs: a producer's next transaction starts
   * as soon as its previous one is complete instead of after a client backoff. Nothing is held
   * across attempts; each runs against the state as it is then.
   */
  private async whileConcurrent<T>(
    transactionalId: string,
    attempt: () => Promise<T>,
    codeOf: (r: T) => ErrorCode,
  ): Promise<T> {
    const deadline = this.now + limits.txnConcurrentWaitMs;
    for (;;) {
      const result = await attempt();
      const remainingMs = deadline - this.now;
      if (codeOf(result) !== ErrorCode.CONCURRENT_TRANSACTIONS || this.closed || remainingMs <= 0) return result;
      const shard = this.shardOf(transactionalId);
      const metadata = typeof shard === 'number' ? undefined : shard.txns.get(transactionalId);
      // Busy for another reason (too many completions on this node): the client backs off.
      const completing = metadata?.state === TxnState.PrepareCommit || metadata?.state === TxnState.PrepareAbort;
      if (!metadata || !(metadata.hasPendingTransition || completing)) return result;
      let timer: ScheduledTask | null = null;
      await Promise.race([
        metadata.nextTransition(),
        new Promise<void>((resolve) => (timer = this.options.clock.schedule(remainingMs, resolve))),
      ]);
      (timer as ScheduledTask | null)?.cancel();
    }
  }

  // ---------------------------------------------------------------- InitProducerId

  initProducerId(params: InitProducerIdParams): Promise<InitProducerIdResult> {
    return this.whileConcurrent(
      params.transactionalId,
      () => this.initProducerIdOnce(params),
      (r) => r.errorCode,
    );
  }

  private async initProducerIdOnce(params: InitProducerIdParams): Promise<InitProducerIdResult> {
    const fail = (errorCode: ErrorCode): InitProducerIdResult => ({ errorCode, ...INIT_FAILED });
    const id = params.transactionalId;
    if (id.length === 0) return fail(ErrorCode.INVALID_REQUEST);
    const timeoutMs = params.transactionTimeoutMs;
    if (timeoutMs <= 0 || timeoutMs > this.options.transactionMaxTimeoutMs)
      return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const givenId = params.producerId !== NO_PRODUCER_ID;
    const givenEpoch = params.producerEpoch !== NO_PRODUCER_EPOCH;
    if (givenId !== givenEpoch) return fail(ErrorCode.INVALID_REQUEST);
    const expected = givenId ? { producerId: params.producerId, epoch: params.producerEpoch } : null;

    let shard = this.shardOf(id);
    if (typeof shard === 'number') return fail(shard);
    let metadata = shard.txns.get(id);
    if (!metadata) {
      const producerId = await this.allocateProducerId();
      if (typeof producerId !== 'number') return fail(producerId.errorCode);
      shard = this.shardOf(id);
      if (typeof shard === 'number') return fail(shard);
      metadata = shard.txns.get(id);
      if (!metadata) {
        metadata = TransactionMetadata.fresh(id, producerId, timeoutMs, this.now);
        shard.txns.set(id, metadata);
      }
    }

    if (metadata.hasPendingTransition) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    const s = metadata.current;
    // A given producer id must be this id's (or the one it rotated from at an exhausted epoch);
    // a producer whose id was created anew (epoch -1) may continue with the new one.
    const validProducer =
      expected === null ||
      s.producerEpoch === NO_PRODUCER_EPOCH ||
      expected.producerId === s.producerId ||
      (expected.producerId === s.lastProducerId && isEpochExhausted(expected.epoch));
    if (!validProducer) return fail(ErrorCode.PRODUCER_FENCED);

    switch (s.state) {
      case TxnState.PrepareCommit:
      case TxnState.PrepareAbort:
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      case TxnState.Ongoing: {
        // Fence the previous producer: abort its transaction at a bumped epoch. That epoch is never
        // given out; the client retries after CONCURRENT_TRANSACTIONS and gets the next one.
        const errorCode = await this.fence(shard, metadata);
        return fail(errorCode === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : errorCode);
      }
      case TxnState.Empty:
      case TxnState.CompleteCommit:
      case TxnState.CompleteAbort: {
        let transit: TxnSnapshot;
        if (isEpochExhausted(s.producerEpoch) && (expected === null || expected.epoch === s.producerEpoch)) {
          const producerId = await this.allocateProducerId();
          if (typeof producerId !== 'number') return fail(producerId.errorCode);
          // The id may have moved on while the new producer id was reserved.
          if (!this.shards.isCurrent(shard) || shard.txns.get(id) !== metadata || metadata.current !== s)
            return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
          if (metadata.hasPendingTransition) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
          transit = metadata.prepareProducerIdRotation(producerId, timeoutMs, this.now, expected !== null);
        } else {
          const prepared = metadata.prepareIncrementProducerEpoch(timeoutMs, expected?.epoch ?? null, this.now);
          if (prepared === 'fenced') return fail(ErrorCode.PRODUCER_FENCED);
          transit = prepared;
        }
        const errorCode = await this.shards.write(shard, metadata, transit);
        if (errorCode !== ErrorCode.NONE) return fail(errorCode);
        this.options.log.debug(
          { transactionalId: id, producerId: transit.producerId, producerEpoch: transit.producerEpoch },
          'initialized transactional id',
        );
        return { errorCode, producerId: transit.producerId, producerEpoch: transit.producerEpoch };
      }
      case TxnState.Dead:
      case TxnState.PrepareEpochFence:
        // Dead ids are removed from the cache as their tombstone is durable; PrepareEpochFence is only pending.
        assert(false, `transactional id ${id} is current in state ${s.state}`);
    }
  }

  private async allocateProducerId(): Promise<number | { errorCode: ErrorCode }> {
    try {
      return await this.options.allocateProducerId();
    } catch (err) {
      this.options.log.warn({ err }, 'could not reserve producer ids');
      return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    }
  }

  // ---------------------------------------------------------------- AddPartitionsToTxn, AddOffsetsToTxn

  /** Adds partitions to the producer's transaction (starting it). One error for all of them. */
  addPartitions(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    partitions: readonly TopicPartition[],
  ): Promise<ErrorCode> {
    return this.whileConcurrent(
      transactionalId,
      () => this.addPartitionsOnce(transactionalId, producerId, producerEpoch, partitions),
      (code) => code,
    );
  }

  private async addPartitionsOnce(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    partitions: readonly TopicPartition[],
  ): Promise<ErrorCode> {
    if (transactionalId.length === 0) return ErrorCode.INVALID_REQUEST;
    const shard = this.shardOf(transactionalId);
    if (typeof shard === 'number') return shard;
    const metadata = shard.txns.get(transactionalId);
    if (!metadata || metadata.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (metadata.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (metadata.hasPendingTransition) return ErrorCode.CONCURRENT_TRANSACTIONS;
    const state = metadata.state;
    if (state === TxnState.PrepareCommit || state === TxnState.PrepareAbort) return ErrorCode.CONCURRENT_TRANSACTIONS;
    const keys = partitions.map((p) => partitionKey(p.topic, p.partition));
    // Already there: nothing to write.
    if (state === TxnState.Ongoing && keys.every((k) => metadata.current.partitions.has(k))) return ErrorCode.NONE;
    const transit = metadata.prepareAddPartitions(keys, this.now);
    return this.shards.write(shard, metadata, transit);
  }

  /** AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction. */
  addOffsets(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): Promise<ErrorCode> {
    if (groupId.length === 0) return Promise.resolve(ErrorCode.INVALID_GROUP_ID);
    return this.addPartitions(transactionalId, producerId, producerEpoch, [this.options.groupPartition(groupId)]);
  }

  /**
   * KIP-890 part 1 (AddPartitionsToTxn v4 with verifyOnly): whether each partition is in the
   * producer's ongoing transaction. A partition leader asks before a transactional batch opens a
   * transaction on it, so a request delayed past its transaction's end cannot write into the next.
   */
  verify(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    partitions: readonly TopicPartition[],
  ): PartitionError[] {
    const all = (errorCode: ErrorCode) => partitions.map((p) => ({ ...p, errorCode }));
    if (transactionalId.length === 0) return all(ErrorCode.INVALID_REQUEST);
    const shard = this.shardOf(transactionalId);
    if (typeof shard === 'number') return all(shard);
    const metadata = shard.txns.get(transactionalId);
    if (!metadata || metadata.producerId !== producerId) return all(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (metadata.producerEpoch !== producerEpoch) return all(ErrorCode.PRODUCER_FENCED);
    // A transaction being ended takes no new partitions: its markers may be written already.
    const state = metadata.state;
    if (state === TxnState.PrepareCommit || state === TxnState.PrepareAbort)
      return all(ErrorCode.CONCURRENT_TRANSACTIONS);
    return partitions.map((p) => ({
      ...p,
      errorCode:
        state === TxnState.Ongoing && metadata.hasPartition(p.topic, p.partition)
          ? ErrorCode.NONE
          : ErrorCode.INVALID_TXN_STATE,
    }));
  }

  // ---------------------------------------------------------------- EndTxn

  endTxn(transactionalId: string, producerId: number, producerEpoch: number, committed: boolean): Promise<ErrorCode> {
    return this.whileConcurrent(
      transactionalId,
      () => this.endTxnOnce(transactionalId, producerId, producerEpoch, committed),
      (code) => code,
    );
  }

  private async endTxnOnce(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    committed: boolean,
  ): Promise<ErrorCode> {
    if (transactionalId.length === 0) return ErrorCode.INVALID_REQUEST;
    const shard = this.shardOf(transactionalId);
    if (typeof shard === 'number') return shard;
    const metadata = shard.txns.get(transactionalId);
    if (!metadata || metadata.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (metadata.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (metadata.hasPendingTransition) return ErrorCode.CONCURRENT_TRANSACTIONS;
    switch (metadata.state) {
      case TxnState.Ongoing: {
        if (this.channel.size >= limits.txnCompletionsPendingMax) return ErrorCode.CONCURRENT_TRANSACTIONS;
        const transit = metadata.prepareAbortOrCommit(
          committed ? TxnState.PrepareCommit : TxnState.PrepareAbort,
          this.now,
        );
        const errorCode = await this.shards.write(shard, metadata, transit);
        if (errorCode === ErrorCode.NONE) this.completeTransaction(shard, metadata);
        return errorCode;
      }
      // A retry of an EndTxn that was answered already, or is being completed.
      case TxnState.CompleteCommit:
        return committed ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case TxnState.CompleteAbort:
        return committed ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      case TxnState.PrepareCommit:
        return committed ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      case TxnState.PrepareAbort:
        return committed ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
      case TxnState.Empty:
        return ErrorCode.INVALID_TXN_STATE;
      case TxnState.Dead:
      case TxnState.PrepareEpochFence:
        assert(false, `transactional id ${transactionalId} is current in state ${metadata.state}`);
    }
  }

  /** Aborts an Ongoing transaction at a bumped epoch (a replaced or timed-out producer) and completes it. */
  private async fence(shard: Shard, metadata: TransactionMetadata): Promise<ErrorCode> {
    const transit = metadata.prepareFenceProducerEpoch(this.now);
    const errorCode = await this.shards.write(shard, metadata, transit);
    if (errorCode === ErrorCode.NONE) this.completeTransaction(shard, metadata);
    return errorCode;
  }

  // ---------------------------------------------------------------- completing

  /** Step 2: the markers of a transaction whose Prepare* is durable. */
  private completeTransaction(shard: Shard, metadata: TransactionMetadata): void {
    const s = metadata.current;
    assert(s.state === TxnState.PrepareCommit || s.state === TxnState.PrepareAbort, `completing in state ${s.state}`);
    const completion: Completion = {
      transactionalId: metadata.transactionalId,
      txnPartition: shard.partition,
      coordinatorEpoch: shard.log.coordinatorEpoch,
      producerId: s.producerId,
      producerEpoch: s.producerEpoch,
      committed: s.state === TxnState.PrepareCommit,
      pending: new Set(s.partitions),
    };
    this.owners.set(completion, { shard, metadata });
    this.channel.add(completion);
  }

  /** Step 3: every marker is durable; write CompleteCommit/CompleteAbort, retrying while this node coordinates. */
  private markersWritten(completion: Completion, attempt: number): void {
    const owner = this.owners.get(completion);
    assert(owner !== undefined, `${completion.transactionalId}: a completion without its shard`);
    const { shard, metadata } = owner;
    // Leadership moved meanwhile: the next coordinator (or this node's next shard) completes it.
    if (this.closed || !this.shards.isCurrent(shard)) return;
    assert(
      shard.txns.get(completion.transactionalId) === metadata,
      `${completion.transactionalId}: replaced while completing`,
    );
    const s = metadata.current;
    // Nothing else moves an id out of Prepare*: every request answers CONCURRENT_TRANSACTIONS meanwhile.
    assert(
      s.producerId === completion.producerId &&
        s.producerEpoch === completion.producerEpoch &&
        s.state === (completion.committed ? TxnState.PrepareCommit : TxnState.PrepareAbort) &&
        !metadata.hasPendingTransition,
      `${completion.transactionalId}: ${s.state} changed while its markers were written`,
    );
    const transit = metadata.prepareComplete(this.now);
    void this.shards.write(shard, metadata, transit).then((errorCode) => {
      if (errorCode === ErrorCode.NONE) {
        this.options.log.debug(
          { transactionalId: completion.transactionalId, state: transit.state, producerEpoch: transit.producerEpoch },
          'transaction completed',
        );
        return;
      }
      if (errorCode === ErrorCode.NOT_COORDINATOR || this.closed) return; // the next coordinator completes it
      const delayMs = Math.min(
        limits.txnMarkerRetryBackoffMs * 2 ** Math.min(attempt, 16),
        limits.txnMarkerRetryBackoffMaxMs,
      );
      this.options.clock.schedule(delayMs, () => this.markersWritten(completion, attempt + 1));
    });
  }

  // ---------------------------------------------------------------- housekeeping

  /** transaction.timeout.ms: an Ongoing transaction open longer is aborted at a bumped epoch. */
  abortTimedOutTransactions(): void {
    if (this.closed) return;
    const now = this.now;
    for (const shard of this.shards.active()) {
      for (const metadata of shard.txns.values()) {
        const s = metadata.current;
        if (s.state !== TxnState.Ongoing || metadata.hasPendingTransition) continue;
        if (s.txnStartTimestampMs + s.txnTimeoutMs > now) continue;
        if (this.channel.size >= limits.txnCompletionsPendingMax) return;
        this.options.log.info(
          {
            transactionalId: metadata.transactionalId,
            producerId: s.producerId,
            producerEpoch: s.producerEpoch,
            timeoutMs: s.txnTimeoutMs,
          },
          'aborting a transaction open longer than its timeout',
        );
        void this.fence(shard, metadata);
      }
    }
  }

  /** transactional.id.expiration.ms: ids with no transaction and no use for that long are forgotten. */
  async removeExpiredTransactionalIds(): Promise<void> {
    if (this.closed) return;
    const cutoff = this.now - this.options.transactionalIdExpirationMs;
    const writes: Promise<void>[] = [];
    for (const shard of this.shards.active()) {
      const expired: { metadata: TransactionMetadata; transit: TxnSnapshot }[] = [];
      for (const metadata of shard.txns.values()) {
        if (expired.length >= limits.expiryRecordsPerBatchMax) break;
        const s = metadata.current;
        if (!isExpirationAllowed(s.state) || metadata.hasPendingTransition || s.txnLastUpdateTimestampMs > cutoff)
          continue;
        expired.push({ metadata, transit: metadata.prepareDead() });
      }
      writes.push(this.shards.expire(shard, expired));
    }
    await Promise.all(writes);
  }

  // ---------------------------------------------------------------- DescribeTransactions, ListTransactions

  describe(transactionalId: string): TransactionDescription {
    const none = {
      transactionalId,
      state: '',
      transactionTimeoutMs: 0,
      transactionStartTimeMs: -1,
      producerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
      partitions: [],
    };
    if (transactionalId.length === 0) return { ...none, errorCode: ErrorCode.INVALID_REQUEST };
    const shard = this.shardOf(transactionalId);
    if (typeof shard === 'number') return { ...none, errorCode: shard };
    const metadata = shard.txns.get(transactionalId);
    if (!metadata) return { ...none, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
    const s = metadata.current;
    return {
      errorCode: ErrorCode.NONE,
      transactionalId,
      state: s.state,
      transactionTimeoutMs: s.txnTimeoutMs,
      transactionStartTimeMs: s.txnStartTimestampMs,
      producerId: s.producerId,
      producerEpoch: s.producerEpoch,
      partitions: [...s.partitions].map(parsePartitionKey),
    };
  }

  list(filter: ListTransactionsFilter): {
    errorCode: ErrorCode;
    unknownStateFilters: string[];
    transactions: TransactionListing[];
  } {
    const unknownStateFilters = filter.states.filter((name) => !isTxnStateName(name));
    const transactions: TransactionListing[] = [];
    if (this.shards.loading)
      return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, unknownStateFilters, transactions };
    const states = new Set(filter.states.filter(isTxnStateName));
    const producerIds = new Set(filter.producerIds);
    const now = this.now;
    // Only unknown states asked for: nothing matches.
    if (filter.states.length > 0 && states.size === 0)
      return { errorCode: ErrorCode.NONE, unknownStateFilters, transactions };
    for (const shard of this.shards.active()) {
      for (const metadata of shard.txns.values()) {
        const s = metadata.current;
        if (states.size > 0 && !states.has(s.state)) continue;
        if (producerIds.size > 0 && !producerIds.has(s.producerId)) continue;
        if (filter.durationMs >= 0 && (s.txnStartTimestampMs < 0 || now - s.txnStartTimestampMs < filter.durationMs))
          continue;
        transactions.push({ transactionalId: metadata.transactionalId, producerId: s.producerId, state: s.state });
      }
    }
    return { errorCode: ErrorCode.NONE, unknownStateFilters, transactions };
  }
}
