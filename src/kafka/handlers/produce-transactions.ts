// Transactional produce (KIP-890 part 1): a batch that would open a transaction on a partition
// waits for the coordinator's word (TransactionVerifier) before it is appended, and so does every
// later batch of the same producer to the same partition, so a producer's batches still reach the
// log in the order they arrived (the produce path is otherwise synchronous). Without a coordinator
// to ask, nothing waits: the partition's local rule ('sequence') decides at once.
import { ErrorCode, KafkaError } from '../../common/index.js';
import type { Replica } from '../../replication/index.js';
import type { BatchHeader, LeaderAppendOptions } from '../../storage/index.js';
import type { TransactionVerifier, VerifiedPartition } from '../transaction-verifier.js';

export interface TransactionalBatch {
  readonly topic: string;
  readonly index: number;
  readonly partition: Replica;
  readonly header: BatchHeader;
}

/** Appends of one producer to one partition, in arrival order. */
export class TransactionalAppendQueues {
  private readonly tails = new WeakMap<Replica, Map<number, Promise<unknown>>>();

  /** Whether an earlier batch of this producer to this partition still waits. */
  busy(partition: Replica, producerId: number): boolean {
    return this.tails.get(partition)?.has(producerId) ?? false;
  }

  /** Runs `task` once every earlier task of the same partition and producer has settled. */
  enqueue<T>(partition: Replica, producerId: number, task: () => Promise<T> | T): Promise<T> {
    let byProducer = this.tails.get(partition);
    if (!byProducer) this.tails.set(partition, (byProducer = new Map<number, Promise<unknown>>()));
    const previous = byProducer.get(producerId) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    byProducer.set(producerId, tail);
    void tail.then(() => {
      if (byProducer.get(producerId) === tail) byProducer.delete(producerId);
    });
    return run;
  }
}

/** The append options of a transactional batch that needs no wait. */
export function immediateTxnOptions(verifier: TransactionVerifier): LeaderAppendOptions {
  return { origin: 'client', startRule: verifier.asksCoordinator ? 'verified' : 'sequence' };
}

/** Whether this transactional batch must wait for the coordinator before it is appended. */
export function mustVerify(
  verifier: TransactionVerifier,
  queues: TransactionalAppendQueues,
  batch: TransactionalBatch,
): boolean {
  if (!verifier.asksCoordinator) return false;
  const { producerId, producerEpoch } = batch.header;
  return (
    batch.partition.log.transactionStartsHere(producerId, producerEpoch) || queues.busy(batch.partition, producerId)
  );
}

/**
 * Asks the coordinator once for every batch of one request that must wait, grouped by producer,
 * and gives each batch the append options to use once the answer is NONE, or throws the refusal.
 * The guard is taken before asking: a marker of the producer landing meanwhile voids it.
 */
export function verifyBatches(
  verifier: TransactionVerifier,
  transactionalId: string,
  batches: readonly TransactionalBatch[],
): Map<TransactionalBatch, () => Promise<LeaderAppendOptions>> {
  const byProducer = new Map<string, TransactionalBatch[]>();
  for (const batch of batches) {
    const key = `${batch.header.producerId}:${batch.header.producerEpoch}`;
    const group = byProducer.get(key) ?? [];
    group.push(batch);
    byProducer.set(key, group);
  }
  const out = new Map<TransactionalBatch, () => Promise<LeaderAppendOptions>>();
  for (const group of byProducer.values()) {
    const { producerId, producerEpoch } = (group[0] as TransactionalBatch).header;
    const guards = group.map((b) => b.partition.log.startTransactionVerification(producerId));
    const answers = verifier.verify({
      transactionalId,
      producerId,
      producerEpoch,
      partitions: group.map((b) => ({ topic: b.topic, partition: b.index })),
    });
    group.forEach((batch, i) => {
      out.set(batch, async () => {
        const answer = (await answers).find(
          (a: VerifiedPartition) => a.topic === batch.topic && a.partition === batch.index,
        );
        const errorCode = answer?.errorCode ?? ErrorCode.INVALID_TXN_STATE;
        if (errorCode !== ErrorCode.NONE) {
          throw new KafkaError(
            errorCode,
            `the coordinator did not confirm ${batch.topic}-${batch.index} in transaction ${transactionalId}`,
          );
        }
        return { origin: 'client', startRule: 'verified', verificationGuard: guards[i] ?? null };
      });
    });
  }
  return out;
}
