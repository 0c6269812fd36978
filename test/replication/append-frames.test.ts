// The append stream's frames: what the leader encodes is what the follower decodes (the batches as
// views of the frame), every truncation and stray byte is a FrameError rather than a crash or a
// misread, and appends that parse but make no sense are refused one by one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeAppendAnswers,
  decodeAppendCall,
  encodeAppendAnswers,
  encodeAppendCall,
  FrameError,
} from '../../src/replication/append-frames.js';
import { AppendError } from '../../src/replication/protocol/index.js';
import { UNKNOWN_PARTITION, type WireAppendRequest, type WireAppendResponse } from '../../src/replication/wire.js';

function request(overrides: Partial<WireAppendRequest> = {}): WireAppendRequest {
  const records = [Buffer.from('first batch bytes'), Buffer.from('second')];
  return {
    topic: 'orders-ü',
    topicId: 'tid-1',
    partition: 7,
    epoch: 3,
    leaderId: 2,
    prevOffset: 2 ** 40 - 1,
    prevEpoch: 2,
    batches: [
      { baseOffset: 2 ** 40, lastOffset: 2 ** 40 + 9, epoch: 3, sizeBytes: records[0]!.length },
      { baseOffset: 2 ** 40 + 10, lastOffset: 2 ** 40 + 10, epoch: 3, sizeBytes: records[1]!.length },
    ],
    records,
    highWatermark: 2 ** 40 - 5,
    epochStartOffset: 17,
    divergence: null,
    leaderLogStartOffset: 4,
    ...overrides,
  };
}

const heartbeat = request({
  prevOffset: -1,
  prevEpoch: -1,
  batches: [],
  records: [],
  divergence: { requestedEpoch: 1, epoch: 0, endOffset: 12 },
});

describe('append frames', () => {
  it('round-trips a call of several appends, with 64-bit offsets, -1 and divergence answers', () => {
    const frame = encodeAppendCall(0xfffffffe, 'cluster-ä', [request(), heartbeat]);
    const call = decodeAppendCall(frame);
    expect(call.callId).toBe(0xfffffffe);
    expect(call.clusterId).toBe('cluster-ä');
    const [first, second] = call.appends;
    expect(first).toMatchObject({ topic: 'orders-ü', topicId: 'tid-1', partition: 7 });
    if (!first || 'refused' in first.decoded) throw new Error('refused');
    const r = request();
    expect(first.decoded.request).toEqual({
      epoch: r.epoch,
      leaderId: r.leaderId,
      prevOffset: r.prevOffset,
      prevEpoch: r.prevEpoch,
      batches: r.batches,
      highWatermark: r.highWatermark,
      epochStartOffset: r.epochStartOffset,
      divergence: null,
    });
    expect(first.decoded.leaderLogStartOffset).toBe(4);
    expect(first.decoded.buffers.map((b) => b.toString())).toEqual(['first batch bytes', 'second']);
    // Views of the received frame, not copies.
    expect(first.decoded.buffers[0]!.buffer).toBe(frame.buffer);
    if (!second || 'refused' in second.decoded) throw new Error('refused');
    expect(second.decoded.request.prevOffset).toBe(-1);
    expect(second.decoded.request.divergence).toEqual({ requestedEpoch: 1, epoch: 0, endOffset: 12 });
    expect(second.decoded.buffers).toEqual([]);
  });

  it('round-trips answers, with `unknown` read as a lost request', () => {
    const answers: WireAppendResponse[] = [
      {
        replicaId: 3,
        epoch: 4,
        error: AppendError.none,
        logEndOffset: 2 ** 45,
        durableEndOffset: 2 ** 45 - 1,
        lastEpoch: 4,
        holdsEpochMarker: true,
      },
      {
        replicaId: 3,
        epoch: 9,
        error: AppendError.fenced,
        logEndOffset: 0,
        durableEndOffset: 0,
        lastEpoch: -1,
        holdsEpochMarker: false,
      },
      {
        replicaId: 3,
        epoch: -1,
        error: UNKNOWN_PARTITION,
        logEndOffset: -1,
        durableEndOffset: -1,
        lastEpoch: -1,
        holdsEpochMarker: false,
      },
    ];
    const decoded = decodeAppendAnswers(encodeAppendAnswers(42, answers));
    expect(decoded.callId).toBe(42);
    expect(decoded.answers).toEqual([answers[0], answers[1], null]);
    // How the follower handled the call travels with the answers (the leader's stage timings).
    const handling = { receivedAtWallMs: 1_796_000_000_123.25, handledSeconds: 0.0042 };
    expect(decodeAppendAnswers(encodeAppendAnswers(7, answers, handling)).handling).toEqual(handling);
    expect(decoded.handling).toEqual({ receivedAtWallMs: 0, handledSeconds: 0 });
  });

  it('throws FrameError, never anything else, for every truncation and for trailing bytes', () => {
    const call = encodeAppendCall(1, 'c', [request(), heartbeat]);
    const answers = encodeAppendAnswers(1, [
      {
        replicaId: 1,
        epoch: 1,
        error: 'gap',
        logEndOffset: 5,
        durableEndOffset: 5,
        lastEpoch: 1,
        holdsEpochMarker: false,
      },
    ]);
    for (let cut = 0; cut < call.length; cut++)
      expect(() => decodeAppendCall(call.subarray(0, cut)), `cut at ${cut}`).toThrow(FrameError);
    for (let cut = 0; cut < answers.length; cut++)
      expect(() => decodeAppendAnswers(answers.subarray(0, cut))).toThrow(FrameError);
    expect(() => decodeAppendCall(Buffer.concat([call, Buffer.from([0])]))).toThrow(FrameError);
    expect(() => decodeAppendAnswers(Buffer.concat([answers, Buffer.from([0])]))).toThrow(FrameError);
  });

  it('decodes arbitrary bytes to a call or a FrameError', () => {
    const valid = encodeAppendCall(1, 'c', [request()]);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.nat(valid.length - 1),
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        (garbage, at, patch) => {
          for (const frame of [
            Buffer.from(garbage),
            Buffer.concat([valid.subarray(0, at), Buffer.from(patch), valid.subarray(at + patch.length)]),
          ]) {
            try {
              decodeAppendCall(frame);
              decodeAppendAnswers(frame);
            } catch (err) {
              if (!(err instanceof FrameError)) throw err;
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses, one by one, appends whose batches overlap prevOffset or each other, or whose header is negative', () => {
    const overlapsPrev = request({ prevOffset: 2 ** 40 + 3 });
    const overlapping = request({
      batches: [request().batches[0]!, { ...request().batches[1]!, baseOffset: 2 ** 40 + 9, lastOffset: 2 ** 40 + 9 }],
    });
    const reversed = request({
      batches: [{ ...request().batches[0]!, lastOffset: 2 ** 40 - 3 }, request().batches[1]!],
    });
    const negative = request({ epoch: -1 });
    // Offsets missing between prevOffset and the batches, or between batches: a compacted range.
    const compacted = request({
      prevOffset: 5,
      batches: [
        request().batches[0]!,
        { ...request().batches[1]!, baseOffset: 2 ** 40 + 40, lastOffset: 2 ** 40 + 41 },
      ],
    });
    const call = decodeAppendCall(
      encodeAppendCall(1, 'c', [overlapsPrev, overlapping, request(), reversed, negative, compacted]),
    );
    expect(call.appends.map((a) => ('refused' in a.decoded ? a.decoded.refused : 'ok'))).toEqual([
      expect.stringMatching(/do not follow/),
      expect.stringMatching(/do not follow/),
      'ok',
      expect.stringMatching(/bad batch description/),
      'bad append request header',
      'ok',
    ]);
  });
});
