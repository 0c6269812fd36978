// Single-server membership changes (thesis 4.1): one voter added or removed at a time, so any
// two consecutive configurations share a majority. A change takes effect when its entry is
// applied; the leader refuses a new one until the previous one is applied.
//
// The entry carries the whole resulting configuration, not just the delta, so applying it is
// idempotent and a node that joins with an empty log learns the full membership from one entry.
import { assert } from '../common/index.js';
import type { ConfState, NodeId } from './types.js';

export const ConfChangeType = {
  /** Add a voter, or promote a learner to voter. */
  addVoter: 'addVoter',
  /** Add a learner (receives the log, never votes or counts), or demote a voter. */
  addLearner: 'addLearner',
  /** Remove a voter or learner. */
  removeNode: 'removeNode',
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
}

/** What a confChange entry holds: the change and the configuration it produces. */
export interface ConfChangeEntry {
  readonly change: ConfChange;
  readonly confState: ConfState;
}

export type ConfChangeOutcome =
  { readonly ok: true; readonly confState: ConfState } | { readonly ok: false; readonly detail: string };

export function isValidNodeId(id: number): boolean {
  return Number.isInteger(id) && id > 0 && id <= 0xffffffff;
}

/** The configuration `change` produces from `conf`, or why it is not a valid single change. */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfChangeOutcome {
  const id = change.nodeId;
  if (!isValidNodeId(id)) return { ok: false, detail: `node id ${id} is not a positive 32-bit integer` };
  const voters = new Set(conf.voters);
  const learners = new Set(conf.learners);
  switch (change.type) {
    case ConfChangeType.addVoter:
      if (voters.has(id)) return { ok: false, detail: `node ${id} is already a voter` };
      learners.delete(id);
      voters.add(id);
      break;
    case ConfChangeType.addLearner:
      if (learners.has(id)) return { ok: false, detail: `node ${id} is already a learner` };
      if (voters.has(id) && voters.size === 1) return { ok: false, detail: `node ${id} is the last voter` };
      voters.delete(id);
      learners.add(id);
      break;
    case ConfChangeType.removeNode:
      if (!voters.has(id) && !learners.has(id)) return { ok: false, detail: `node ${id} is not a member` };
      if (voters.has(id) && voters.size === 1) return { ok: false, detail: `node ${id} is the last voter` };
      voters.delete(id);
      learners.delete(id);
      break;
  }
  const sorted = (s: Set<NodeId>): NodeId[] => [...s].sort((a, b) => a - b);
  return { ok: true, confState: { voters: sorted(voters), learners: sorted(learners) } };
}

const FORMAT_VERSION = 1;
const TYPE_CODES: Record<ConfChangeType, number> = { addVoter: 0, addLearner: 1, removeNode: 2 };
const TYPES_BY_CODE: readonly ConfChangeType[] = ['addVoter', 'addLearner', 'removeNode'];
/** Members per list an encoded configuration may carry (the u16 count field). */
const MEMBERS_MAX = 0xffff;

export function encodeConfChangeEntry(entry: ConfChangeEntry): Uint8Array {
  const { voters, learners } = entry.confState;
  assert(voters.length <= MEMBERS_MAX && learners.length <= MEMBERS_MAX, 'configuration too large to encode');
  const out = new Uint8Array(2 + 4 + 2 + 4 * voters.length + 2 + 4 * learners.length);
  const view = new DataView(out.buffer);
  let at = 0;
  view.setUint8(at, FORMAT_VERSION);
  view.setUint8(at + 1, TYPE_CODES[entry.change.type]);
  view.setUint32(at + 2, entry.change.nodeId);
  at += 6;
  for (const list of [voters, learners]) {
    view.setUint16(at, list.length);
    at += 2;
    for (const id of list) {
      view.setUint32(at, id);
      at += 4;
    }
  }
  return out;
}

/** Decodes a confChange entry. Entries come only from our own leaders, so a malformed one is a
 * bug (or corruption), asserted rather than handled. */
export function decodeConfChangeEntry(data: Uint8Array): ConfChangeEntry {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  assert(data.byteLength >= 10 && view.getUint8(0) === FORMAT_VERSION, 'malformed confChange entry');
  const type = TYPES_BY_CODE[view.getUint8(1)];
  assert(type !== undefined, 'unknown confChange type');
  const nodeId = view.getUint32(2);
  let at = 6;
  const lists: NodeId[][] = [];
  for (let l = 0; l < 2; l++) {
    assert(at + 2 <= data.byteLength, 'truncated confChange entry');
    const n = view.getUint16(at);
    at += 2;
    assert(at + 4 * n <= data.byteLength, 'truncated confChange entry');
    const ids: NodeId[] = [];
    for (let i = 0; i < n; i++) ids.push(view.getUint32(at + 4 * i));
    at += 4 * n;
    lists.push(ids);
  }
  return { change: { type, nodeId }, confState: { voters: lists[0] ?? [], learners: lists[1] ?? [] } };
}
