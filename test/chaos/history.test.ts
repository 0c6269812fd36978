// The history checker must find each anomaly it claims to find, and nothing in a clean history.
import { describe, expect, it } from 'vitest';
import { checkHistory, checkTransactions, type LoggedRecord, type PolledRecord } from './history.js';

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

describe('transaction history checker', () => {
  const PID = 7;
  const data = (partition: number, offset: number, value: string, producerId = PID): LoggedRecord => ({
    partition,
    offset,
    value,
    producerId,
  });
  const marker = (partition: number, offset: number, committed: boolean): LoggedRecord => ({
    partition,
    offset,
    producerId: PID,
    marker: committed ? 'commit' : 'abort',
  });

  /** t1 commits in-0 (partition 0) and in-1 (partition 1); t2 writes in-2 and aborts; t3 commits in-2. */
  function clean() {
    const p0 = [
      data(0, 0, 'in-0|t1'),
      marker(0, 1, true),
      data(0, 2, 'in-2|t2'),
      marker(0, 3, false),
      data(0, 4, 'in-2|t3'),
      marker(0, 5, true),
    ];
    const p1 = [data(1, 0, 'in-1|t1'), marker(1, 1, true)];
    return {
      inputAcks: [
        { value: 'in-0', partition: 0, offset: 0 },
        { value: 'in-1', partition: 1, offset: 0 },
        { value: 'in-2', partition: 0, offset: 1 },
      ],
      transactions: [
        { tag: 't1', inputs: ['in-0', 'in-1'], outcome: 'committed' as const },
        { tag: 't2', inputs: ['in-2'], outcome: 'aborted' as const },
        { tag: 't3', inputs: ['in-2'], outcome: 'committed' as const },
      ],
      reader: {
        consumer: 'r',
        polls: [{ records: [rec(0, 0, 'in-0|t1'), rec(0, 4, 'in-2|t3'), rec(1, 0, 'in-1|t1')] }],
      },
      outputLog: new Map([
        [0, p0],
        [1, p1],
      ]),
      inputEnds: new Map([
        [0, 2],
        [1, 1],
      ]),
      committedOffsets: new Map([
        [0, 2],
        [1, 1],
      ]),
      separator: '|',
    };
  }

  it('finds nothing in a clean history', () => {
    const result = checkTransactions(clean());
    expect(result.anomalies).toEqual([]);
    expect(result.committedRecords).toBe(3);
    expect(result.abortedRecords).toBe(1);
  });

  it('finds an aborted read', () => {
    const input = clean();
    const result = checkTransactions({
      ...input,
      reader: { consumer: 'r', polls: [{ records: [rec(0, 2, 'in-2|t2')] }] },
    });
    expect(result.counts['aborted-read']).toBe(1);
  });

  it('finds a torn transaction', () => {
    const input = clean();
    const p1 = [data(1, 0, 'in-1|t1'), marker(1, 1, false)];
    const result = checkTransactions({
      ...input,
      outputLog: new Map([
        [0, input.outputLog.get(0)!],
        [1, p1],
      ]),
    });
    expect(result.counts.torn).toBe(1);
    expect(result.counts['lost-write']).toBeGreaterThan(0);
  });

  it('finds a duplicate (an input committed twice)', () => {
    const input = clean();
    const p1 = [data(1, 0, 'in-1|t1'), marker(1, 1, true), data(1, 2, 'in-0|t4'), marker(1, 3, true)];
    const result = checkTransactions({
      ...input,
      outputLog: new Map([
        [0, input.outputLog.get(0)!],
        [1, p1],
      ]),
    });
    expect(result.counts.duplicate).toBe(1);
  });

  it('finds data no marker ended as not committed, and offsets that are not at the end', () => {
    const input = clean();
    const p1 = [data(1, 0, 'in-1|t1')];
    const result = checkTransactions({
      ...input,
      outputLog: new Map([
        [0, input.outputLog.get(0)!],
        [1, p1],
      ]),
      committedOffsets: new Map([
        [0, 1],
        [1, 1],
      ]),
    });
    expect(result.counts['lost-write']).toBeGreaterThan(0);
    expect(result.counts.offsets).toBe(1);
  });
});
