// The states of a transactional id at its coordinator, with Kafka's ids (the TransactionStatus byte
// of __transaction_state values), names (DescribeTransactions, ListTransactions' filter) and legal
// transitions. A transition not listed here is a broken invariant of the coordinator, never a
// client's mistake: client requests in the wrong state are answered with an error before any
// transition is prepared.
//
//   Empty --AddPartitions/AddOffsets--> Ongoing --EndTxn(commit)--> PrepareCommit --markers--> CompleteCommit
//   Ongoing --EndTxn(abort)--> PrepareAbort --markers--> CompleteAbort
//   Ongoing --InitProducerId, timeout--> PrepareEpochFence --> PrepareAbort (at a bumped epoch)
//   Empty, CompleteCommit, CompleteAbort --InitProducerId--> Empty (a new epoch),
//                                        --AddPartitions--> Ongoing (the next transaction)
//   Empty, CompleteCommit, CompleteAbort --expiry--> Dead (a tombstone; the id is forgotten)
//
// PrepareEpochFence is never written to the log: it is the pending state of a fence (an Ongoing
// transaction aborted at a bumped epoch because its producer was replaced or timed out) until the
// PrepareAbort that carries the bumped epoch is durable.
import { assert } from '../common/index.js';

export const TxnState = {
  Empty: 'Empty',
  Ongoing: 'Ongoing',
  PrepareCommit: 'PrepareCommit',
  PrepareAbort: 'PrepareAbort',
  CompleteCommit: 'CompleteCommit',
  CompleteAbort: 'CompleteAbort',
  Dead: 'Dead',
  PrepareEpochFence: 'PrepareEpochFence',
} as const;

export type TxnState = (typeof TxnState)[keyof typeof TxnState];

/** Kafka's TransactionState ids, as stored in TransactionLogValue.TransactionStatus. */
export const TXN_STATE_IDS: Readonly<Record<TxnState, number>> = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
};

const STATES_BY_ID: ReadonlyMap<number, TxnState> = new Map(
  Object.entries(TXN_STATE_IDS).map(([state, id]) => [id, state as TxnState]),
);

/** The state with Kafka's id `id`, or undefined for an id no Kafka version writes. */
export function txnStateOfId(id: number): TxnState | undefined {
  return STATES_BY_ID.get(id);
}

/** Whether `name` is a state's name (ListTransactions filters by name). */
export function isTxnStateName(name: string): name is TxnState {
  return Object.prototype.hasOwnProperty.call(TXN_STATE_IDS, name);
}

/** For each state, the states it may be entered from (Kafka's validPreviousStates, transaction version 0/1). */
const VALID_PREVIOUS: Readonly<Record<TxnState, readonly TxnState[]>> = {
  Empty: [TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  Ongoing: [TxnState.Ongoing, TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  PrepareCommit: [TxnState.Ongoing],
  PrepareAbort: [TxnState.Ongoing, TxnState.PrepareEpochFence],
  CompleteCommit: [TxnState.PrepareCommit],
  CompleteAbort: [TxnState.PrepareAbort],
  Dead: [TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  PrepareEpochFence: [TxnState.Ongoing],
};

export function isValidTransition(from: TxnState, to: TxnState): boolean {
  return VALID_PREVIOUS[to].includes(from);
}

/** Asserts `from` -> `to` is legal: an illegal one means the coordinator's own logic is broken. */
export function assertTransition(transactionalId: string, from: TxnState, to: TxnState): void {
  assert(isValidTransition(from, to), `transactional id ${transactionalId}: illegal transition ${from} -> ${to}`);
}

/** States in which the id may expire (no transaction in progress). */
export function isExpirationAllowed(state: TxnState): boolean {
  return state === TxnState.Empty || state === TxnState.CompleteCommit || state === TxnState.CompleteAbort;
}

/** A transaction is in progress (its partitions may hold uncommitted data). */
export function hasPendingTransaction(state: TxnState): boolean {
  return state === TxnState.Ongoing || state === TxnState.PrepareCommit || state === TxnState.PrepareAbort;
}
