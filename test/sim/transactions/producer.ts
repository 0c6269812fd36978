// A transactional producer of the simulation, as Kafka's clients behave: InitProducerId, then
// transactions of one to three partitions (AddPartitionsToTxn, then a batch to each partition's
// leader, which verifies with the coordinator when the batch opens the transaction there), ended by
// EndTxn commit or abort; retriable errors are retried, a fenced producer starts over with a new
// InitProducerId. Some transactions are left open past their timeout. Every transaction and what
// its EndTxn answered is recorded for the checker.
import { ErrorCode } from '../../../src/common/errors.js';
import { CALL_TIMEOUT_MS, DATA_PARTITIONS, TOPIC, type SimWorld } from './world.js';
import type { TransactionCoordinator } from '../../../src/transactions/coordinator.js';

export const TRANSACTION_TIMEOUT_MS = 3_000;

export interface TxnRecord {
  readonly txnTag: string;
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  /** Partitions a batch was acknowledged on. */
  readonly written: number[];
  /** What EndTxn answered: committed or aborted when NONE, else unknown (it may still have ended either way). */
  outcome: 'committed' | 'aborted' | 'unknown';
}

const RETRIABLE: ReadonlySet<number> = new Set([
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.CONCURRENT_TRANSACTIONS,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
]);
const ATTEMPTS_MAX = 60;

export class SimProducer {
  private producerId = -1;
  private producerEpoch = -1;
  private sequence = 0;
  stopped = false;
  readonly transactions: TxnRecord[] = [];

  constructor(
    private readonly world: SimWorld,
    readonly transactionalId: string,
  ) {}

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.world.at(ms, resolve));
  }

  /** A request to the id's coordinator: an answer, or NETWORK_EXCEPTION after the call timeout. */
  private call<T>(request: (c: TransactionCoordinator) => Promise<T>, failed: T): Promise<T> {
    const w = this.world;
    return new Promise((resolve) => {
      w.at(w.latency(), () => {
        const process = w.coordinatorOf(this.transactionalId);
        if (!process || w.chance(w.options.faults.dropRate)) {
          w.at(CALL_TIMEOUT_MS, () => resolve(failed));
          return;
        }
        void request(process.coordinator).then((answer) => {
          // A process that died meanwhile answers nothing.
          if (!process.alive || w.chance(w.options.faults.dropRate)) w.at(CALL_TIMEOUT_MS, () => resolve(failed));
          else w.at(w.latency(), () => resolve(answer));
        });
      });
    });
  }

  private async retry(what: () => Promise<ErrorCode>): Promise<ErrorCode> {
    for (let attempt = 0; attempt < ATTEMPTS_MAX; attempt++) {
      const code = await what();
      if (!RETRIABLE.has(code)) return code;
      await this.sleep(20 + this.world.rng.nextInt(0, 80));
    }
    return ErrorCode.REQUEST_TIMED_OUT;
  }

  private async init(): Promise<boolean> {
    for (let attempt = 0; attempt < ATTEMPTS_MAX; attempt++) {
      const r = await this.call(
        (c) =>
          c.initProducerId({
            transactionalId: this.transactionalId,
            transactionTimeoutMs: TRANSACTION_TIMEOUT_MS,
            producerId: -1,
            producerEpoch: -1,
          }),
        { errorCode: ErrorCode.NETWORK_EXCEPTION, producerId: -1, producerEpoch: -1 },
      );
      if (r.errorCode === ErrorCode.NONE) {
        this.producerId = r.producerId;
        this.producerEpoch = r.producerEpoch;
        return true;
      }
      await this.sleep(20 + this.world.rng.nextInt(0, 80));
    }
    return false;
  }

  /** A batch to the partition's leader, verified with the coordinator when it opens the transaction there. */
  private produce(partition: number, txnTag: string): Promise<ErrorCode> {
    const w = this.world;
    return new Promise((resolve) => {
      w.at(w.latency(), () => {
        const data = w.dataPartitions[partition]!;
        if (!w.live(data.leader) || w.chance(w.options.faults.dropRate)) {
          w.at(CALL_TIMEOUT_MS, () => resolve(ErrorCode.NETWORK_EXCEPTION));
          return;
        }
        const append = () => {
          const appended = data.appendData(this.producerId, this.producerEpoch, txnTag, `${txnTag}@${partition}`);
          if ('error' in appended) return resolve(appended.error);
          w.durable(data, appended.offset, () => w.at(w.latency(), () => resolve(ErrorCode.NONE)));
        };
        const p = data.producer(this.producerId);
        if (p.openFrom !== null && p.epoch === this.producerEpoch) return append();
        w.verify(this.transactionalId, this.producerId, this.producerEpoch, partition, (code) => {
          if (code !== ErrorCode.NONE) return resolve(code);
          append();
        });
      });
    });
  }

  async run(): Promise<void> {
    const w = this.world;
    while (!this.stopped) {
      if (this.producerId < 0 && !(await this.init())) continue;
      const txnTag = `${this.transactionalId}#${this.sequence++}`;
      const record: TxnRecord = {
        txnTag,
        transactionalId: this.transactionalId,
        producerId: this.producerId,
        producerEpoch: this.producerEpoch,
        written: [],
        outcome: 'unknown',
      };
      this.transactions.push(record);
      const count = 1 + w.rng.nextInt(0, DATA_PARTITIONS);
      const partitions = [...Array(DATA_PARTITIONS).keys()].sort(() => w.rng.next() - 0.5).slice(0, count);
      let healthy = true;
      for (const partition of partitions) {
        const added = await this.retry(() =>
          this.call(
            (c) =>
              c.addPartitions(this.transactionalId, this.producerId, this.producerEpoch, [{ topic: TOPIC, partition }]),
            ErrorCode.NETWORK_EXCEPTION,
          ),
        );
        if (added !== ErrorCode.NONE) {
          healthy = false;
          break;
        }
        const produced = await this.retry(() => this.produce(partition, txnTag));
        if (produced !== ErrorCode.NONE) {
          healthy = false;
          break;
        }
        record.written.push(partition);
      }
      // Some producers stall mid-transaction (a long GC pause): the coordinator aborts on timeout.
      if (w.chance(0.05)) await this.sleep(TRANSACTION_TIMEOUT_MS + 1_500);
      const commit = healthy && w.rng.next() < 0.75;
      const ended = await this.retry(() =>
        this.call(
          (c) => c.endTxn(this.transactionalId, this.producerId, this.producerEpoch, commit),
          ErrorCode.NETWORK_EXCEPTION,
        ),
      );
      if (ended === ErrorCode.NONE) record.outcome = commit ? 'committed' : 'aborted';
      else this.producerId = -1; // fenced, or gave up: a new producer instance
      await this.sleep(w.rng.nextInt(0, 50));
    }
  }
}
