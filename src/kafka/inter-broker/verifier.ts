// KIP-890 part 1, the partition leader's question to the transaction coordinator (the
// TransactionVerifier the produce and TxnOffsetCommit handlers call): is this partition in the
// producer's ongoing transaction? Asked of the local coordinator when this node coordinates the
// transactional id, else with AddPartitionsToTxn v4 (verifyOnly) over the inter-broker channel.
// The coordinator's answer is translated into what the asking request may answer, as Kafka's
// AddPartitionsToTxnManager does: a coordinator that cannot tell (moved, loading, unreachable, or
// ending that transaction) becomes NOT_ENOUGH_REPLICAS for a produce, which every client retries,
// and COORDINATOR_NOT_AVAILABLE for a TxnOffsetCommit; a fenced epoch INVALID_PRODUCER_EPOCH, which
// clients older than PRODUCER_FENCED understand.
import { ErrorCode, limits, type Logger } from '../../common/index.js';
import { OFFSETS_TOPIC } from '../../groups/index.js';
import type { PartitionError, TopicPartition } from '../../transactions/index.js';
import type { BrokerContext } from '../broker-context.js';
import type {
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse,
} from '../protocol/messages/add-partitions-to-txn.js';
import type {
  TransactionVerifier,
  VerifiedPartition,
  VerifyOffsetCommitRequest,
  VerifyTransactionRequest,
} from '../transaction-verifier.js';
import { ADD_PARTITIONS_TO_TXN_KEY, ADD_PARTITIONS_TO_TXN_VERIFY_VERSION } from './apis.js';
import type { InterBrokerClient } from './channel.js';

const COORDINATOR_CANNOT_TELL: ReadonlySet<number> = new Set([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.CONCURRENT_TRANSACTIONS,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.BROKER_NOT_AVAILABLE,
]);

/** The coordinator's code as the asking request answers it; `retriable` for a coordinator that cannot tell. */
function translate(errorCode: number, retriable: ErrorCode): ErrorCode {
  if (errorCode === ErrorCode.NONE) return ErrorCode.NONE;
  if (COORDINATOR_CANNOT_TELL.has(errorCode)) return retriable;
  if (errorCode === ErrorCode.PRODUCER_FENCED) return ErrorCode.INVALID_PRODUCER_EPOCH;
  return errorCode as ErrorCode;
}

export class CoordinatorVerifier implements TransactionVerifier {
  readonly asksCoordinator = true;

  constructor(
    private readonly nodeId: number,
    private readonly client: InterBrokerClient,
    private readonly context: () => BrokerContext,
    private readonly log: Logger,
  ) {}

  async verify(request: VerifyTransactionRequest): Promise<readonly VerifiedPartition[]> {
    const answers = await this.ask(
      request.transactionalId,
      request.producerId,
      request.producerEpoch,
      request.partitions,
    );
    return answers.map((a) => ({ ...a, errorCode: translate(a.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS) }));
  }

  async verifyOffsetCommit(request: VerifyOffsetCommitRequest): Promise<ErrorCode> {
    const partition = { topic: OFFSETS_TOPIC, partition: this.context().groups.partitionFor(request.groupId) };
    const [answer] = await this.ask(request.transactionalId, request.producerId, request.producerEpoch, [partition]);
    return translate(answer?.errorCode ?? ErrorCode.INVALID_TXN_STATE, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  }

  /** The coordinator's own codes, one per partition. */
  private async ask(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    partitions: readonly TopicPartition[],
  ): Promise<PartitionError[]> {
    const ctx = this.context();
    const all = (errorCode: ErrorCode) => partitions.map((p) => ({ ...p, errorCode }));
    let coordinator: number;
    try {
      coordinator = ctx.txnCoordinatorFor(transactionalId);
    } catch {
      return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    if (coordinator === this.nodeId)
      return ctx.transactions.verify(transactionalId, producerId, producerEpoch, partitions);
    const topics = new Map<string, number[]>();
    for (const p of partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
    try {
      const response = await this.client.call<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>(
        coordinator,
        ADD_PARTITIONS_TO_TXN_KEY,
        ADD_PARTITIONS_TO_TXN_VERIFY_VERSION,
        {
          transactions: [
            {
              transactionalId,
              producerId,
              producerEpoch,
              verifyOnly: true,
              topics: [...topics].map(([name, list]) => ({ name, partitions: list })),
            },
          ],
          v3AndBelowTransactionalId: '',
          v3AndBelowProducerId: -1,
          v3AndBelowProducerEpoch: -1,
          v3AndBelowTopics: [],
        },
        limits.txnVerifyTimeoutMs,
      );
      if (response.errorCode !== ErrorCode.NONE) return all(response.errorCode as ErrorCode);
      const found = new Map<string, number>();
      for (const txn of response.resultsByTransaction) {
        for (const t of txn.topicResults)
          for (const r of t.resultsByPartition) found.set(`${t.name}-${r.partitionIndex}`, r.partitionErrorCode);
      }
      return partitions.map((p) => ({
        ...p,
        errorCode: (found.get(`${p.topic}-${p.partition}`) ?? ErrorCode.INVALID_TXN_STATE) as ErrorCode,
      }));
    } catch (err) {
      this.log.debug({ err, coordinator, transactionalId }, 'verifying a transaction with its coordinator failed');
      return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }
}
