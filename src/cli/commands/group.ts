// brook group list|describe|seek|delete — kafka-consumer-groups.sh over Brook's client.
// describe shows the members with their partitions and, per partition, the committed offset,
// the log end (the high watermark, what a consumer can read to) and the lag between them. seek
// moves a group's committed offsets (to the earliest, the latest, an offset or a time): it prints
// the plan and changes nothing unless --execute is given, and only for a group with no members,
// since a live member would overwrite the new offsets with its own commits.
import { Command } from 'commander';
import {
  Admin,
  ClientError,
  type CommittedOffset,
  type GroupDescription,
  type OffsetSpec,
} from '../../client/index.js';
import { type ConnectionFlags, withClient, withConnection } from '../connection.js';
import { fields, json, out, table } from '../output.js';
import { integer, partitions, timestamp } from '../parse.js';
import { report } from './topic.js';

interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly committed: number | null;
  readonly logEnd: number;
  readonly lag: number | null;
  readonly memberId: string | null;
  readonly clientId: string | null;
}

async function lagOf(
  admin: Admin,
  group: GroupDescription,
  committed: readonly CommittedOffset[],
): Promise<PartitionLag[]> {
  const owners = new Map<string, { memberId: string; clientId: string }>();
  for (const m of group.members) {
    for (const a of m.assignment) for (const p of a.partitions) owners.set(`${a.topic}:${p}`, m);
  }
  const keys = new Map<string, { topic: string; partition: number }>();
  for (const c of committed) keys.set(`${c.topic}:${c.partition}`, c);
  for (const m of group.members) {
    for (const a of m.assignment)
      for (const partition of a.partitions) keys.set(`${a.topic}:${partition}`, { topic: a.topic, partition });
  }
  const topics = [...new Set([...keys.values()].map((k) => k.topic))];
  const ends = new Map<string, number>();
  await Promise.all(
    topics.map(async (topic) => {
      const ids = [...keys.values()].filter((k) => k.topic === topic).map((k) => k.partition);
      for (const o of await admin.listOffsets(topic, ids, 'latest')) ends.set(`${topic}:${o.partition}`, o.offset);
    }),
  );
  return [...keys.entries()]
    .map(([key, { topic, partition }]) => {
      const offset = committed.find((c) => c.topic === topic && c.partition === partition)?.offset ?? null;
      const logEnd = ends.get(key) ?? -1;
      const owner = owners.get(key);
      return {
        topic,
        partition,
        committed: offset,
        logEnd,
        lag: offset === null ? null : Math.max(0, logEnd - offset),
        memberId: owner?.memberId ?? null,
        clientId: owner?.clientId ?? null,
      };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

interface SeekFlags extends ConnectionFlags {
  readonly topic?: string;
  readonly partition?: number[];
  readonly toEarliest?: boolean;
  readonly toLatest?: boolean;
  readonly toOffset?: number;
  readonly toDatetime?: number;
  readonly execute?: boolean;
}

type SeekTarget = OffsetSpec | { readonly offset: number };

function seekTarget(flags: SeekFlags): SeekTarget {
  const targets: SeekTarget[] = [];
  if (flags.toEarliest) targets.push('earliest');
  if (flags.toLatest) targets.push('latest');
  if (flags.toOffset !== undefined) targets.push({ offset: flags.toOffset });
  if (flags.toDatetime !== undefined) targets.push({ timestampMs: flags.toDatetime });
  if (targets.length !== 1)
    throw new ClientError('give one of --to-earliest, --to-latest, --to-offset and --to-datetime');
  return targets[0]!;
}

export function groupCommand(): Command {
  const group = new Command('group').description('list, describe, seek and delete consumer groups');

  withConnection(group.command('list').description('every consumer group and its state')).action(
    async (flags: ConnectionFlags) => {
      await withClient(flags, async (client) => {
        const groups = await new Admin(client).listGroups();
        if (flags.output === 'json') return out(json(groups));
        out(
          table(
            ['GROUP', 'STATE', 'PROTOCOL TYPE', 'COORDINATOR'],
            groups.map((g) => [g.groupId, g.state, g.protocolType, g.coordinatorId]),
          ),
        );
      });
    },
  );

  withConnection(
    group.command('describe <group>').description('members, assignment, committed offsets, log end and lag'),
  ).action(async (groupId: string, flags: ConnectionFlags) => {
    await withClient(flags, async (client) => {
      const admin = new Admin(client);
      const described = await admin.describeGroup(groupId);
      const committed = await admin.committedOffsets(groupId);
      if (described.state === 'Dead' && committed.length === 0) {
        throw new ClientError(`group ${groupId} does not exist`);
      }
      const lags = await lagOf(admin, described, committed);
      if (flags.output === 'json') return out(json({ ...described, offsets: lags }));
      out(
        fields([
          ['group', groupId],
          ['state', described.state],
          ['protocol', described.protocol === '' ? '-' : `${described.protocolType}/${described.protocol}`],
          ['members', described.members.length],
        ]),
      );
      if (described.members.length > 0) {
        out('\n');
        out(
          table(
            ['MEMBER', 'CLIENT', 'HOST', 'ASSIGNMENT'],
            described.members.map((m) => [
              m.memberId,
              m.clientId,
              m.clientHost,
              m.assignment.map((a) => `${a.topic}:${a.partitions.join(',')}`).join(' ') || '-',
            ]),
          ),
        );
      }
      out('\n');
      out(
        table(
          ['TOPIC', 'PARTITION', 'COMMITTED', 'LOG-END', 'LAG', 'MEMBER'],
          lags.map((l) => [l.topic, l.partition, l.committed, l.logEnd, l.lag, l.memberId]),
        ),
      );
    });
  });

  withConnection(
    group
      .command('seek <group>')
      .description('move a group’s committed offsets; prints the plan, changes them only with --execute')
      .option('--topic <topic>', 'the topic (default: every topic the group has offsets for)')
      .option('--partition <n>', 'only these partitions (repeatable, or comma-separated)', partitions)
      .option('--to-earliest', 'to each partition’s log start')
      .option('--to-latest', 'to each partition’s end')
      .option('--to-offset <n>', 'to this offset', integer(0))
      .option('--to-datetime <time>', 'to the first record at or after this time (ms or ISO-8601)', timestamp)
      .option('--execute', 'apply the plan (without it: a dry run)'),
  ).action(async (groupId: string, flags: SeekFlags) => {
    const target = seekTarget(flags);
    await withClient(flags, async (client) => {
      const admin = new Admin(client);
      const described = await admin.describeGroup(groupId);
      const execute = flags.execute === true;
      // Said first: whatever the plan, a live member would overwrite it with its own commits.
      if (execute && described.members.length > 0) {
        throw new ClientError(
          `group ${groupId} has ${described.members.length} active member(s) (state ${described.state}): stop its consumers first`,
        );
      }
      const committed = await admin.committedOffsets(groupId);
      const topics = flags.topic !== undefined ? [flags.topic] : [...new Set(committed.map((c) => c.topic))];
      if (topics.length === 0)
        throw new ClientError(`group ${groupId} has no committed offsets: name the topic with --topic`);
      const plan: { topic: string; partition: number; current: number | null; next: number }[] = [];
      for (const topic of topics) {
        const all = (await admin.describeTopic(topic)).partitions.map((p) => p.partition);
        const chosen = flags.partition ?? all;
        for (const p of chosen) if (!all.includes(p)) throw new ClientError(`topic ${topic} has no partition ${p}`);
        const next = await targetOffsets(admin, topic, chosen, target);
        for (const p of chosen) {
          plan.push({
            topic,
            partition: p,
            current: committed.find((c) => c.topic === topic && c.partition === p)?.offset ?? null,
            next: next.get(p)!,
          });
        }
      }
      if (execute)
        await admin.commitOffsets(
          groupId,
          plan.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.next, metadata: null })),
        );
      if (flags.output === 'json') return out(json({ group: groupId, executed: execute, offsets: plan }));
      out(
        table(
          ['TOPIC', 'PARTITION', 'CURRENT', 'NEW'],
          plan.map((p) => [p.topic, p.partition, p.current, p.next]),
        ),
      );
      out(execute ? `moved the offsets of group ${groupId}\n` : 'dry run: nothing changed (add --execute to apply)\n');
    });
  });

  withConnection(group.command('delete <group>').description('delete a group with no members, and its offsets')).action(
    async (groupId: string, flags: ConnectionFlags) => {
      await withClient(flags, async (client) => {
        await new Admin(client).deleteGroup(groupId);
        report(flags, { group: groupId, deleted: true }, `deleted group ${groupId}`);
      });
    },
  );

  return group;
}

async function targetOffsets(
  admin: Admin,
  topic: string,
  ids: readonly number[],
  target: SeekTarget,
): Promise<Map<number, number>> {
  if (typeof target === 'object' && 'offset' in target) {
    // Kafka's tool clamps an offset to what the partition holds.
    const [start, end] = await Promise.all([
      admin.listOffsets(topic, ids, 'earliest'),
      admin.listOffsets(topic, ids, 'latest'),
    ]);
    return new Map(
      ids.map((p) => {
        const low = start.find((o) => o.partition === p)!.offset;
        const high = end.find((o) => o.partition === p)!.offset;
        return [p, Math.min(high, Math.max(low, target.offset))];
      }),
    );
  }
  const found = await admin.listOffsets(topic, ids, target);
  const past = found.filter((f) => f.offset < 0).map((f) => f.partition);
  const latest = past.length > 0 ? await admin.listOffsets(topic, past, 'latest') : [];
  return new Map([...found.filter((f) => f.offset >= 0), ...latest].map((f) => [f.partition, f.offset]));
}
