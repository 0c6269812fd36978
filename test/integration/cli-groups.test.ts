// brook group list|describe|seek|delete against a real node, with `brook consume --group` as the
// group's member: describe shows the live member and its assignment, then (after the member
// commits and leaves on SIGTERM) committed offsets, log end and lag; seek prints a plan and
// changes nothing without --execute, refuses a group with members, and moves offsets to the
// earliest, an offset and a time, which a new member then starts from; delete refuses a group with
// members and removes an empty one. Errors: an unknown group, an unknown topic, a missing target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brook, shown, startBrook } from '../helpers/cli.js';
import { type NodeProcess, startSingleNode, stopAll, waitFor } from '../helpers/node-process.js';

let node: NodeProcess;
let at: string[];

beforeAll(async () => {
  node = await startSingleNode({
    extraArgs: ['--offsets-topic-partitions', '3', '--group-initial-rebalance-delay-ms', '0'],
  });
  at = ['--bootstrap-server', node.bootstrap];
  const created = await brook(['topic', 'create', 'events', '--partitions', '2', ...at]);
  expect(created.code, shown(created)).toBe(0);
  const lines = Array.from({ length: 10 }, (_, i) => `k${i}:v${i}`).join('\n');
  const produced = await brook(['produce', 'events', '--key-separator', ':', ...at], { stdin: `${lines}\n` });
  expect(produced.code, shown(produced)).toBe(0);
});

afterAll(async () => {
  await stopAll();
});

interface Described {
  state: string;
  members: { memberId: string; clientId: string; assignment: { topic: string; partitions: number[] }[] }[];
  offsets: { topic: string; partition: number; committed: number | null; logEnd: number; lag: number | null }[];
}

async function describeGroup(group: string): Promise<Described> {
  const result = await brook(['group', 'describe', group, '--output', 'json', ...at]);
  expect(result.code, shown(result)).toBe(0);
  return JSON.parse(result.stdout) as Described;
}

async function logEnds(): Promise<Map<number, number>> {
  const result = await brook(['partition', 'list', '--topic', 'events', '--output', 'json', ...at]);
  const rows = JSON.parse(result.stdout) as { partition: number; highWatermark: number }[];
  return new Map(rows.map((r) => [r.partition, r.highWatermark]));
}

describe('brook group', () => {
  it('describes a live member, then its committed offsets and lag once it left', async () => {
    const member = startBrook(['consume', 'events', '--group', 'billing', '--from-beginning', ...at], {
      timeoutMs: 60_000,
    });
    try {
      await waitFor('the member to read all ten records', () =>
        Promise.resolve(member.stdout().split('\n').length > 10),
      );
      const live = await waitFor(
        'the member in the group',
        async () => {
          const d = await describeGroup('billing');
          return d.state === 'Stable' && d.members.length === 1 ? d : null;
        },
        20_000,
      );
      expect(live.members[0]!.assignment).toEqual([{ topic: 'events', partitions: [0, 1] }]);
      const table = await brook(['group', 'describe', 'billing', ...at]);
      expect(table.stdout).toMatch(/^state:\s+Stable$/m);
      expect(table.stdout).toMatch(/^MEMBER\s+CLIENT\s+HOST\s+ASSIGNMENT$/m);
      expect(table.stdout).toContain('events:0,1');

      const listed = await brook(['group', 'list', ...at]);
      expect(listed.code, shown(listed)).toBe(0);
      expect(listed.stdout).toMatch(/^billing\s+Stable\s+consumer\s+1$/m);

      // A group with a member: seek and delete refuse, and say why.
      const seek = await brook(['group', 'seek', 'billing', '--to-earliest', '--execute', ...at]);
      expect(seek.code).toBe(1);
      expect(seek.stderr).toMatch(/^brook: group billing has 1 active member\(s\) .*stop its consumers first\n$/);
      const del = await brook(['group', 'delete', 'billing', ...at]);
      expect(del.code).toBe(1);
      expect(del.stderr).toMatch(/^brook: .*NON_EMPTY_GROUP.*\n$/);
    } finally {
      member.child.kill('SIGTERM'); // commits what it printed and leaves
    }
    const ended = await member.result;
    expect(ended.code, shown(ended)).toBe(0);
    expect(ended.stdout.trimEnd().split('\n').sort()).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`).sort());

    const ends = await logEnds();
    const empty = await describeGroup('billing');
    expect(empty.state).toBe('Empty');
    expect(empty.members).toEqual([]);
    expect(empty.offsets.map((o) => [o.partition, o.committed, o.logEnd, o.lag])).toEqual([
      [0, ends.get(0), ends.get(0), 0],
      [1, ends.get(1), ends.get(1), 0],
    ]);

    // Lag grows with records the group has not read.
    await brook(['produce', 'events', '--partition', '0', ...at], { stdin: 'late1\nlate2\n' });
    const behind = await describeGroup('billing');
    expect(behind.offsets.find((o) => o.partition === 0)!.lag).toBe(2);
    const lagTable = await brook(['group', 'describe', 'billing', ...at]);
    expect(lagTable.stdout).toMatch(
      new RegExp(`^events\\s+0\\s+${ends.get(0)}\\s+${ends.get(0)! + 2}\\s+2\\s+-$`, 'm'),
    );
  });

  it('seeks a group: a dry run first, then to the earliest, an offset and a time', async () => {
    const before = await describeGroup('billing');
    const dry = await brook(['group', 'seek', 'billing', '--to-earliest', ...at]);
    expect(dry.code, shown(dry)).toBe(0);
    expect(dry.stdout).toMatch(/^TOPIC\s+PARTITION\s+CURRENT\s+NEW$/m);
    expect(dry.stdout).toMatch(/^events\s+0\s+\d+\s+0$/m);
    expect(dry.stdout).toContain('dry run: nothing changed (add --execute to apply)');
    expect((await describeGroup('billing')).offsets).toEqual(before.offsets);

    const earliest = await brook(['group', 'seek', 'billing', '--to-earliest', '--execute', '--output', 'json', ...at]);
    expect(earliest.code, shown(earliest)).toBe(0);
    expect((JSON.parse(earliest.stdout) as { executed: boolean }).executed).toBe(true);
    expect((await describeGroup('billing')).offsets.map((o) => o.committed)).toEqual([0, 0]);

    // A new member starts where the group's offsets now are.
    const reread = await brook(['consume', 'events', '--group', 'billing', '--exit-at-end', ...at], {
      timeoutMs: 60_000,
    });
    expect(reread.code, shown(reread)).toBe(0);
    expect(reread.stdout.trimEnd().split('\n')).toHaveLength(12);

    const toOffset = await brook(
      ['group', 'seek', 'billing', '--topic', 'events', '--partition', '0', '--to-offset', '1', '--execute', ...at],
      {},
    );
    expect(toOffset.code, shown(toOffset)).toBe(0);
    const moved = await describeGroup('billing');
    expect(moved.offsets.find((o) => o.partition === 0)!.committed).toBe(1);
    const ends = await logEnds();
    expect(moved.offsets.find((o) => o.partition === 1)!.committed).toBe(ends.get(1));

    // Past the end, an offset is clamped to the log end (as Kafka's tool does).
    const clamped = await brook(
      ['group', 'seek', 'billing', '--topic', 'events', '--to-offset', '999999', '--output', 'json', ...at],
      {},
    );
    const plan = JSON.parse(clamped.stdout) as { offsets: { partition: number; next: number }[] };
    expect(plan.offsets.map((p) => [p.partition, p.next])).toEqual([
      [0, ends.get(0)],
      [1, ends.get(1)],
    ]);

    // A time after every record: the end of each partition.
    const later = new Date(Date.now() + 60_000).toISOString();
    const toTime = await brook(['group', 'seek', 'billing', '--to-datetime', later, '--execute', ...at]);
    expect(toTime.code, shown(toTime)).toBe(0);
    expect((await describeGroup('billing')).offsets.map((o) => o.lag)).toEqual([0, 0]);
    const fromZero = await brook(['group', 'seek', 'billing', '--to-datetime', '0', '--execute', ...at]);
    expect(fromZero.code, shown(fromZero)).toBe(0);
    expect((await describeGroup('billing')).offsets.map((o) => o.committed)).toEqual([0, 0]);
  });

  it('answers unknown groups and topics and a missing target with one line and exit 1', async () => {
    const cases: [string[], RegExp][] = [
      [['group', 'describe', 'nobody'], /^brook: group nobody does not exist\n$/],
      [['group', 'delete', 'nobody'], /^brook: .*GROUP_ID_NOT_FOUND.*\n$/],
      [['group', 'seek', 'nobody', '--to-latest'], /^brook: group nobody has no committed offsets: name the topic/],
      [['group', 'seek', 'billing', '--topic', 'nowhere', '--to-latest'], /UNKNOWN_TOPIC_OR_PARTITION/],
      [['group', 'seek', 'billing', '--topic', 'events', '--partition', '9', '--to-latest'], /has no partition 9/],
      [
        ['group', 'seek', 'billing'],
        /^brook: give one of --to-earliest, --to-latest, --to-offset and --to-datetime\n$/,
      ],
      [['group', 'seek', 'billing', '--to-earliest', '--to-latest'], /^brook: give one of/],
    ];
    for (const [args, stderr] of cases) {
      const result = await brook([...args, ...at]);
      expect(result.code, `${args.join(' ')}\n${shown(result)}`).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(stderr);
    }
    const bad = await brook(['group', 'seek', 'billing', '--to-offset', 'first', ...at]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^brook: option '--to-offset <n>' argument 'first' is invalid/);
  });

  it('deletes an empty group and its offsets', async () => {
    const deleted = await brook(['group', 'delete', 'billing', ...at]);
    expect(deleted.code, shown(deleted)).toBe(0);
    expect(deleted.stdout).toBe('deleted group billing\n');
    const listed = await brook(['group', 'list', '--output', 'json', ...at]);
    expect((JSON.parse(listed.stdout) as { groupId: string }[]).map((g) => g.groupId)).not.toContain('billing');
    const gone = await brook(['group', 'describe', 'billing', ...at]);
    expect(gone.code).toBe(1);
  });
});
