// brook partition reassign: moves partitions to other replicas, as kafka-reassign-partitions.sh
// does and with its JSON (--reassignment-json-file), or one partition by flags (--topic,
// --partition, --replicas 4,5,6). Without --execute it prints the current assignment (to roll back
// with) and the proposed one; --execute starts the moves (--wait: until they are done); --verify
// says which are still under way; --cancel cancels them (the replicas being added are removed, the
// partition keeps its replicas). `brook partition reassignments` lists every move under way.
// The move's throttle is the brokers' leader.replication.throttled.rate and
// follower.replication.throttled.rate (docs/operations.md).
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { ClientError, ReassignmentAdmin } from '../../client/index.js';
import { type ConnectionFlags, withClient, withConnection } from '../connection.js';
import { json, out, table } from '../output.js';
import type { PlannedPartition } from '../rebalance-plan.js';
import {
  clusterAssignment,
  parseReassignmentJson,
  reassignmentJson,
  submit,
  waitForReassignments,
} from '../reassignments.js';

interface ReassignFlags extends ConnectionFlags {
  readonly reassignmentJsonFile?: string;
  readonly topic?: string;
  readonly partition?: number;
  readonly replicas?: number[];
  readonly execute?: boolean;
  readonly verify?: boolean;
  readonly cancel?: boolean;
  readonly wait?: boolean;
  readonly timeoutMs: number;
}

function brokerList(value: string): number[] {
  const ids = value.split(',').map((s) => Number(s.trim()));
  if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id < 0)) {
    throw new InvalidArgumentError(`expected broker ids like 1,2,3, got '${value}'`);
  }
  return ids;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
  return n;
}

function wanted(flags: ReassignFlags): PlannedPartition[] {
  if (flags.reassignmentJsonFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.reassignmentJsonFile, 'utf8');
    } catch (err) {
      throw new ClientError(
        `cannot read ${flags.reassignmentJsonFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    return parseReassignmentJson(text, flags.reassignmentJsonFile);
  }
  if (flags.topic === undefined || flags.partition === undefined || (flags.replicas === undefined && !flags.cancel)) {
    throw new ClientError('give --reassignment-json-file, or --topic, --partition and --replicas');
  }
  return [{ topic: flags.topic, partition: flags.partition, replicas: flags.replicas ?? [] }];
}

export function addReassignCommands(partition: Command): void {
  withConnection(
    partition
      .command('reassign')
      .description('move partitions to other replicas (kafka-reassign-partitions.sh JSON, or one partition by flags)')
      .option('--reassignment-json-file <file>', 'Kafka\'s {"version":1,"partitions":[{topic,partition,replicas}]}')
      .option('--topic <topic>', 'one partition of this topic')
      .option('--partition <n>', 'its index', integer)
      .option('--replicas <ids>', 'its new replicas, preferred leader first (1,2,3)', brokerList)
      .option('--execute', 'start the moves (without it: print the current and the proposed assignment)')
      .option('--wait', 'with --execute: return once the moves are done')
      .option('--verify', 'say which of the moves are still under way')
      .option('--cancel', 'cancel the moves under way: the partitions keep their replicas')
      .option('--timeout-ms <ms>', 'how long --wait waits', integer, 600_000),
  ).action(async (flags: ReassignFlags) => {
    const targets = wanted(flags);
    await withClient(flags, async (client) => {
      const admin = new ReassignmentAdmin(client);
      if (flags.cancel === true) {
        await submit(
          client,
          targets.map((t) => ({ topic: t.topic, partition: t.partition, replicas: null })),
        );
        return out(flags.output === 'json' ? json({ cancelled: targets.length }) : `cancelled ${targets.length}\n`);
      }
      if (flags.verify === true) {
        const ongoing = await admin.listPartitionReassignments(targets);
        const rows = targets.map((t) => {
          const o = ongoing.find((x) => x.topic === t.topic && x.partition === t.partition);
          return { topic: t.topic, partition: t.partition, status: o ? 'in progress' : 'complete' };
        });
        if (flags.output === 'json') return out(json(rows));
        return out(
          table(
            ['TOPIC', 'PARTITION', 'STATUS'],
            rows.map((r) => [r.topic, r.partition, r.status]),
          ),
        );
      }
      const current = (await clusterAssignment(client)).partitions.filter((p) =>
        targets.some((t) => t.topic === p.topic && t.partition === p.partition),
      );
      if (flags.execute !== true) {
        if (flags.output === 'json') return out(json({ current, proposed: targets }));
        out(`Current partition replica assignment (save it to roll back)\n${reassignmentJson(current)}\n\n`);
        return out(`Proposed partition reassignment (run again with --execute)\n${reassignmentJson(targets)}\n`);
      }
      await submit(client, targets);
      if (flags.wait === true) await waitForReassignments(client, targets, flags.timeoutMs);
      const done = flags.wait === true ? 'moved' : 'started';
      out(flags.output === 'json' ? json({ [done]: targets.length }) : `${done} ${targets.length} partitions\n`);
    });
  });
  withConnection(partition.command('reassignments').description('the partition moves under way')).action(
    async (flags: ConnectionFlags) => {
      await withClient(flags, async (client) => {
        const ongoing = await new ReassignmentAdmin(client).listPartitionReassignments();
        if (flags.output === 'json') return out(json(ongoing));
        const ids = (xs: readonly number[]) => xs.join(',');
        out(
          table(
            ['TOPIC', 'PARTITION', 'REPLICAS', 'ADDING', 'REMOVING'],
            ongoing.map((o) => [o.topic, o.partition, ids(o.replicas), ids(o.addingReplicas), ids(o.removingReplicas)]),
          ),
        );
      });
    },
  );
}
