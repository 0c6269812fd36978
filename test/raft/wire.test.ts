// The message shape is plain data and proto/raft.proto describes it faithfully: a message
// encoded and decoded through protobuf comes back equal.
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { RaftMessage } from '../../src/raft/index.js';
import { decodeConfChangeEntry, encodeConfChangeEntry, message, MessageType } from '../../src/raft/index.js';

const protoPath = fileURLToPath(new URL('../../proto/raft.proto', import.meta.url));

function roundTrip(m: RaftMessage): unknown {
  const root = protobuf.loadSync(protoPath);
  const T = root.lookupType('brook.raft.RaftMessage');
  const bytes = T.encode(T.fromObject(m)).finish();
  const obj = T.toObject(T.decode(bytes), { longs: Number, enums: String, defaults: true, bytes: Array }) as Record<
    string,
    unknown
  >;
  return obj;
}

describe('wire format', () => {
  it('every MessageType except the local MsgHup is in raft.proto', () => {
    const root = protobuf.loadSync(protoPath);
    const values = Object.keys(root.lookupEnum('brook.raft.MessageType').values);
    for (const t of Object.values(MessageType)) if (t !== MessageType.MsgHup) expect(values).toContain(t);
  });

  it('a MsgApp with entries and a MsgSnap round-trip through protobuf', () => {
    const app = message({
      type: MessageType.MsgApp,
      from: 1,
      to: 2,
      term: 7,
      logTerm: 6,
      index: 41,
      commit: 40,
      entries: [
        { term: 7, index: 42, type: 'normal', data: new Uint8Array([1, 2, 3]) },
        { term: 7, index: 43, type: 'confChange', data: new Uint8Array([9]) },
      ],
    });
    const back = roundTrip(app) as Record<string, unknown>;
    expect(back).toMatchObject({
      type: 'MsgApp',
      from: 1,
      to: 2,
      term: 7,
      logTerm: 6,
      index: 41,
      commit: 40,
      reject: false,
      rejectHint: 0,
    });
    expect(back.entries).toEqual([
      { term: 7, index: 42, type: 'normal', data: [1, 2, 3] },
      { term: 7, index: 43, type: 'confChange', data: [9] },
    ]);
    const snap = message({
      type: MessageType.MsgSnap,
      from: 1,
      to: 3,
      term: 7,
      snapshot: {
        metadata: { index: 40, term: 6, confState: { voters: [1, 2, 3], learners: [4] } },
        data: new Uint8Array([5]),
      },
    });
    expect((roundTrip(snap) as { snapshot: unknown }).snapshot).toEqual({
      metadata: { index: 40, term: 6, confState: { voters: [1, 2, 3], learners: [4] } },
      data: [5],
    });
  });

  it('a message is plain data (structuredClone keeps it equal)', () => {
    const m = message({ type: MessageType.MsgHeartbeat, from: 1, to: 2, term: 3, context: new Uint8Array([7]) });
    expect(structuredClone(m)).toEqual(m);
  });

  it('a confChange entry round-trips its change and resulting configuration', () => {
    const e = { change: { type: 'addLearner' as const, nodeId: 4 }, confState: { voters: [1, 2, 3], learners: [4] } };
    expect(decodeConfChangeEntry(encodeConfChangeEntry(e))).toEqual(e);
  });
});
