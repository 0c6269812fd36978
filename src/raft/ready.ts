// What the core hands the driver after it changed: one batch to persist, send and apply.
//
// The driver handles a Ready in this order, then calls advance(ready):
//   1. persist `snapshot` (if any), then `entries` (discarding every stored entry at an index
//      >= the first new one), then `hardState` (if any) — durably (fsync) when `mustSync`;
//      then mirror the same writes into its Storage view (MemoryStorage.applySnapshot, append,
//      setHardState);
//   2. send `messages` — ALL messages of a Ready are sent only after step 1 (a vote, an
//      append ack and a leader's own appends all depend on what step 1 wrote);
//   3. apply `snapshot.data` (if any) and then `committedEntries` to the state machine, in order;
//      hand `readStates` to waiting readers (a read may be served once applied >= index);
//   4. advance(ready).
// No ready() may be taken before the previous one was advanced; step()/tick()/propose() may be
// called at any time, including between ready() and advance().
import type { RaftMessage } from './messages.js';
import type { Entry, HardState, ReadState, Snapshot, SoftState } from './types.js';

export interface Ready {
  /** Present when leader or role changed since the last Ready. */
  readonly softState?: SoftState;
  /** Present when term, vote or commit changed since the last Ready: persist it. */
  readonly hardState?: HardState;
  /** Entries to append to stable storage (may overwrite a stored suffix). */
  readonly entries: readonly Entry[];
  /** A snapshot received from the leader: persist it, then restore the state machine from it. */
  readonly snapshot?: Snapshot;
  /** Entries to apply, in index order, after step 1 of this Ready is done. */
  readonly committedEntries: readonly Entry[];
  /** Messages to send after step 1 of this Ready is done. */
  readonly messages: readonly RaftMessage[];
  /** Answers to ReadIndex requests made on this node. */
  readonly readStates: readonly ReadState[];
  /** True if entries or term/vote changed: the writes of step 1 must be fsynced. A commit-only
   * change may be written lazily (a lost commit index is relearned from the leader). */
  readonly mustSync: boolean;
}
