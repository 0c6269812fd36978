// The leader_append_fsync stage: each noted append is observed once, when a flush covers it, with
// the time since its append began; appends truncated away are dropped, not observed.
import { describe, expect, it } from 'vitest';
import type { ProduceStage, ProduceStages } from '../../src/common/index.js';
import { LeaderDurabilityTiming, NOTED_APPENDS_MAX } from '../../src/replication/leader-durability-timing.js';

function recording(): { stages: ProduceStages; seen: [ProduceStage, number][] } {
  const seen: [ProduceStage, number][] = [];
  return { seen, stages: { observe: (stage, seconds) => seen.push([stage, seconds]), replicaAppend: () => {} } };
}

describe('LeaderDurabilityTiming', () => {
  it('observes each append once, when the durable end covers the log end it reached', () => {
    const { stages, seen } = recording();
    const timing = new LeaderDurabilityTiming(stages);
    const start = performance.now() - 5;
    timing.appended(10, start);
    timing.appended(20, start);
    timing.appended(30, start);
    timing.durable(20, 30);
    expect(seen.map(([stage]) => stage)).toEqual(['leader_append_fsync', 'leader_append_fsync']);
    expect(seen.every(([, seconds]) => seconds >= 0.005 && seconds < 60)).toBe(true);
    timing.durable(20, 30);
    expect(seen).toHaveLength(2);
    timing.durable(30, 30);
    expect(seen).toHaveLength(3);
  });

  it('drops appends that a truncation removed', () => {
    const { stages, seen } = recording();
    const timing = new LeaderDurabilityTiming(stages);
    timing.appended(10, performance.now());
    timing.appended(20, performance.now());
    timing.durable(5, 8);
    timing.durable(40, 40);
    expect(seen).toEqual([]);
  });

  it('keeps a bounded ring: appends beyond it go unnoted, the rest are still observed', () => {
    const { stages, seen } = recording();
    const timing = new LeaderDurabilityTiming(stages);
    for (let end = 1; end <= 5000; end++) timing.appended(end, performance.now());
    timing.durable(5000, 5000);
    expect(seen).toHaveLength(1024);
    timing.appended(5001, performance.now());
    timing.durable(5001, 5001);
    expect(seen).toHaveLength(1025);
  });

  it('starts small and grows while appends wait, keeping them in order across the wrap', () => {
    const { stages, seen } = recording();
    const timing = new LeaderDurabilityTiming(stages);
    expect(timing.capacity).toBeLessThanOrEqual(16);
    // Each append started (1000 - end) ms ago, so the observed times fall as the offsets rise.
    const now = performance.now();
    for (let end = 1; end <= 6; end++) timing.appended(end, now - 1000 + end);
    timing.durable(4, 6); // the ring's head is no longer its first slot
    for (let end = 7; end <= 40; end++) timing.appended(end, now - 1000 + end);
    expect(timing.capacity).toBeGreaterThanOrEqual(36);
    timing.durable(40, 40);
    expect(seen).toHaveLength(40);
    const seconds = seen.map(([, s]) => s);
    expect(seconds.every((s, i) => i === 0 || s < (seconds[i - 1] as number))).toBe(true);
    expect(timing.capacity).toBeLessThanOrEqual(NOTED_APPENDS_MAX);
  });
});
