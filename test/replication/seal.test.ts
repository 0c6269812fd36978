// Failover halves: a replica's answer to Seal, and the controller's choice of leader.
import { describe, expect, it } from 'vitest';
import type { SealResponse } from '../../src/replication/protocol/index.js';
import { chooseLeader, preferredCanLead, reassignmentLeader, seal } from '../../src/replication/protocol/index.js';
import { logOf } from './helpers.js';

function answer(
  replicaId: number,
  lastEpoch: number,
  logEndOffset: number,
  fields: Partial<SealResponse> = {},
): SealResponse {
  return { replicaId, sealedEpoch: 5, lastEpoch, logEndOffset, accepted: true, ledHighWatermark: -1, ...fields };
}

describe('seal', () => {
  it('accepts an epoch at or above its sealed epoch and above its last epoch; persists only a rise', () => {
    const log = logOf([
      [1, 2],
      [3, 1],
    ]);
    expect(seal(log, 2, 3, 4)).toEqual({
      response: { replicaId: 2, sealedEpoch: 4, lastEpoch: 3, logEndOffset: 3, accepted: true, ledHighWatermark: -1 },
      persist: true,
    });
    expect(seal(log, 2, 4, 4).persist).toBe(false); // a retry of the same seal
    expect(seal(log, 2, 4, 4).response.accepted).toBe(true);
    expect(seal(log, 2, 5, 4).response).toMatchObject({ accepted: false, sealedEpoch: 5 });
    expect(seal(log, 2, -1, 3).response.accepted).toBe(false); // epoch 3 already had a leader here
  });

  it('reports only what a crash cannot take: the durable end and the epochs starting within it', () => {
    const log = logOf([[1, 2]]);
    log.appendAsLeader(1, [7]);
    log.assignEpochStart(2, 3); // marker at 3, but the log is durable only up to 2
    expect(seal(log, 2, -1, 3).response).toMatchObject({ lastEpoch: 1, logEndOffset: 2 });
    log.completeFlush(3, log.flushGeneration);
    expect(seal(log, 2, -1, 3).response).toMatchObject({ lastEpoch: 2, logEndOffset: 3 });
  });
});

describe('chooseLeader', () => {
  it('returns null with fewer than R answers (no unclean election)', () => {
    expect(chooseLeader([answer(1, 2, 10)], 2, 1, 5)).toBeNull();
    expect(chooseLeader([answer(1, 2, 10), answer(1, 2, 10)], 2, 1, 5)).toBeNull(); // a duplicate is one answer
    expect(chooseLeader([answer(1, 2, 10), answer(2, 2, 9, { accepted: false })], 2, 1, 5)).toBeNull();
    expect(chooseLeader([answer(1, 2, 10), answer(2, 2, 9, { sealedEpoch: 4 })], 2, 1, 5)).toBeNull();
  });

  it('prefers the greatest last epoch over a longer log', () => {
    expect(chooseLeader([answer(1, 2, 100), answer(2, 3, 10), answer(3, 1, 500)], 2, 1, 5)).toBe(2);
  });

  it('then the longest log; ties go to the preferred replica, then the lowest id', () => {
    expect(chooseLeader([answer(1, 3, 9), answer(2, 3, 10)], 2, 1, 5)).toBe(2);
    expect(chooseLeader([answer(1, 3, 10), answer(2, 3, 10), answer(3, 3, 10)], 2, 3, 5)).toBe(3);
    expect(chooseLeader([answer(3, 3, 10), answer(2, 3, 10)], 2, 1, 5)).toBe(2);
  });
});

describe('preferredCanLead', () => {
  // Sealed at 5; the outgoing leader 1 led epoch 4 and stopped with its high watermark at 10.
  const leader = answer(1, 4, 12, { ledHighWatermark: 10 });

  it('hands over to a preferred replica that holds the led epoch up to the high watermark', () => {
    expect(preferredCanLead([leader, answer(2, 4, 10)], 1, 4, 2, 5)).toBe(true);
    expect(preferredCanLead([leader, answer(2, 4, 11)], 1, 4, 2, 5)).toBe(true);
  });

  it('refuses a preferred replica short of the high watermark', () => {
    expect(preferredCanLead([leader, answer(2, 4, 9)], 1, 4, 2, 5)).toBe(false);
  });

  it('refuses a preferred replica that does not hold the led epoch, however long its log', () => {
    // Its offsets up to 20 come from an older epoch: they may differ from the leader's.
    expect(preferredCanLead([leader, answer(2, 3, 20)], 1, 4, 2, 5)).toBe(false);
  });

  it("refuses when the outgoing leader's marker of the led epoch is not durable", () => {
    // Its high watermark may then lag writes acknowledged before the epoch.
    expect(preferredCanLead([answer(1, 3, 12, { ledHighWatermark: 10 }), answer(2, 3, 10)], 1, 4, 2, 5)).toBe(false);
  });

  it('needs the outgoing leader to have led at the seal, and both to have accepted this epoch', () => {
    expect(preferredCanLead([answer(1, 4, 12), answer(2, 4, 12)], 1, 4, 2, 5)).toBe(false);
    expect(preferredCanLead([answer(2, 4, 12)], 1, 4, 2, 5)).toBe(false);
    expect(preferredCanLead([leader, answer(2, 4, 12, { accepted: false })], 1, 4, 2, 5)).toBe(false);
    expect(preferredCanLead([leader, answer(2, 4, 12, { sealedEpoch: 6 })], 1, 4, 2, 5)).toBe(false);
  });
});

describe('reassignmentLeader', () => {
  // Sealed at 5; replicas [1,2,3], target [3,4,5] (R = 2); leader 1 led epoch 4 and stopped at HW 10.
  const leader = answer(1, 4, 12, { ledHighWatermark: 10 });
  const target = [3, 4, 5];

  it('switches when |T| - R + 1 target replicas hold the led epoch up to the high watermark', () => {
    const answers = [leader, answer(3, 4, 10), answer(4, 4, 11), answer(5, 4, 3)];
    expect(reassignmentLeader(answers, 1, 4, target, 2, 5)).toBe(3);
    // The first complete one in the target's order leads.
    expect(reassignmentLeader(answers, 1, 4, [5, 4, 3], 2, 5)).toBe(4);
  });

  it('waits with fewer complete target replicas: a read quorum of the target could miss every write', () => {
    // Only 4 is complete; {3, 5} is a read quorum of the target that lacks writes below 10.
    expect(reassignmentLeader([leader, answer(3, 4, 9), answer(4, 4, 10), answer(5, 4, 3)], 1, 4, target, 2, 5)).toBe(
      null,
    );
    // With R = 3 of the target, one complete replica is enough (every read quorum is all of it).
    expect(reassignmentLeader([leader, answer(3, 4, 9), answer(4, 4, 10), answer(5, 4, 3)], 1, 4, target, 3, 5)).toBe(
      4,
    );
  });

  it('waits without the outgoing leader, or when a long log is of an older epoch', () => {
    expect(reassignmentLeader([answer(3, 4, 20), answer(4, 4, 20), answer(5, 4, 20)], 1, 4, target, 2, 5)).toBe(null);
    expect(reassignmentLeader([leader, answer(3, 3, 20), answer(4, 3, 20), answer(5, 4, 10)], 1, 4, target, 2, 5)).toBe(
      null,
    );
    // Answers sealed at another epoch do not count.
    const stale = [leader, answer(3, 4, 10, { sealedEpoch: 6 }), answer(4, 4, 10), answer(5, 4, 3)];
    expect(reassignmentLeader(stale, 1, 4, target, 2, 5)).toBe(null);
  });
});
