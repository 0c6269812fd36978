// The history checker must find each anomaly it claims to find, and nothing in a clean history.
import { describe, expect, it } from 'vitest';
import { checkHistory, type PolledRecord } from './history.js';

const rec = (partition: number, offset: number, value: string): PolledRecord => ({ partition, offset, value });

function clean() {
  const log = [rec(0, 0, 'a'), rec(0, 1, 'b'), rec(0, 2, 'c')];
  return {
    acks: [
      { value: 'a', partition: 0, offset: 0 },
      { value: 'b', partition: 0, offset: 1 },
      { value: 'c', partition: 0, offset: 2 },
    ],
    consumers: [{ consumer: 'c1', polls: [{ records: log.slice(0, 2) }, { records: log.slice(2) }] }],
    finalRead: new Map([[0, log]]),
  };
}

describe('history checker', () => {
  it('finds nothing in a clean history', () => {
    const result = checkHistory(clean());
    expect(result.anomalies).toEqual([]);
    expect(result.acked).toBe(3);
    expect(result.stored).toBe(3);
  });

  it('finds a lost write', () => {
    const input = clean();
    const result = checkHistory({ ...input, finalRead: new Map([[0, [rec(0, 0, 'a'), rec(0, 1, 'b')]]]) });
    expect(result.counts['lost-write']).toBe(1);
  });

  it('finds a duplicate', () => {
    const input = clean();
    const result = checkHistory({
      ...input,
      finalRead: new Map([[0, [rec(0, 0, 'a'), rec(0, 1, 'b'), rec(0, 2, 'c'), rec(0, 3, 'b')]]]),
    });
    expect(result.counts.duplicate).toBe(1);
  });

  it('finds inconsistent offsets between a poll and the final read', () => {
    const input = clean();
    const result = checkHistory({ ...input, consumers: [{ consumer: 'c1', polls: [{ records: [rec(0, 1, 'x')] }] }] });
    expect(result.counts['inconsistent-offsets']).toBe(1);
  });

  it('finds an acknowledged value stored at another offset', () => {
    const input = clean();
    const result = checkHistory({
      ...input,
      consumers: [],
      finalRead: new Map([[0, [rec(0, 0, 'b'), rec(0, 1, 'a'), rec(0, 2, 'c')]]]),
    });
    expect(result.counts['wrong-offset']).toBe(2);
    expect(result.counts['lost-write']).toBe(0);
  });

  it('finds a non-monotonic poll, but not across a seek', () => {
    const input = clean();
    const log = [...input.finalRead.get(0)!];
    const backwards = checkHistory({
      ...input,
      consumers: [{ consumer: 'c1', polls: [{ records: log }, { records: [log[0]!] }] }],
    });
    expect(backwards.counts['nonmonotonic-poll']).toBe(1);
    const sought = checkHistory({
      ...input,
      consumers: [{ consumer: 'c1', polls: [{ records: log }, { records: [log[0]!], seek: true }] }],
    });
    expect(sought.counts['nonmonotonic-poll']).toBe(0);
  });

  it('finds a poll skip', () => {
    const input = clean();
    const log = input.finalRead.get(0)!;
    const result = checkHistory({
      ...input,
      consumers: [{ consumer: 'c1', polls: [{ records: [log[0]!, log[2]!] }] }],
    });
    expect(result.counts['poll-skip']).toBe(1);
    expect(result.counts.unseen).toBe(1);
  });
});
