// brook cluster rebalance: evens the replicas and the preferred leaderships across the brokers the
// cluster lists, moving as few replicas as the counts require (rebalance-plan.ts), by partition
// reassignments. Without --execute it prints the plan as Kafka's reassignment JSON. With --execute
// it starts the moves and, with --wait, waits for them and then runs a preferred election on every
// partition so that the leaderships follow the new preferred replicas.
// brook node decommission N: marks broker N decommissioned (UnregisterBroker: placement puts no new
// replica there from now on), moves every replica it holds to the other brokers by reassignment,
// waits until it holds none, and moves the leaderships to the preferred replicas.
import { Command, InvalidArgumentError } from 'commander';
import { Admin, ClientError, type KafkaClient, ReassignmentAdmin } from '../../client/index.js';
import { type ConnectionFlags, withClient, withConnection } from '../connection.js';
import { json, note, out } from '../output.js';
import { planRebalance, type RebalancePlan } from '../rebalance-plan.js';
import { clusterAssignment, reassignmentJson, submit, waitForReassignments } from '../reassignments.js';

interface MoveFlags extends ConnectionFlags {
  readonly execute?: boolean;
  readonly wait?: boolean;
  readonly timeoutMs: number;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
  return n;
}

function summary(plan: RebalancePlan): string {
  return `${plan.moves.length} partitions to reassign: ${plan.replicasMoved} replicas move, ${plan.reordered} partitions only reordered`;
}

/** Starts the plan's moves; with `wait`, waits for them and runs preferred elections. */
async function carryOut(client: KafkaClient, plan: RebalancePlan, wait: boolean, timeoutMs: number): Promise<void> {
  await submit(
    client,
    plan.moves.map((m) => ({ topic: m.topic, partition: m.partition, replicas: m.replicas })),
  );
  if (!wait) return;
  await waitForReassignments(client, plan.moves, timeoutMs);
  // Some partitions may not have their preferred replica live or caught up: they say so, and keep a leader.
  await new Admin(client).electLeaders('preferred', null);
}

export function addRebalanceCommand(cluster: Command): void {
  withConnection(
    cluster
      .command('rebalance')
      .description('even replica and leader counts across brokers, moving as few replicas as possible')
      .option('--execute', 'start the moves (without it: print the plan)')
      .option('--wait', 'with --execute: wait for the moves, then elect the preferred leaders')
      .option('--timeout-ms <ms>', 'how long --wait waits', integer, 600_000),
  ).action(async (flags: MoveFlags) => {
    await withClient(flags, async (client) => {
      const assignment = await clusterAssignment(client);
      const plan = planRebalance({
        brokers: assignment.brokers,
        partitions: assignment.partitions,
        frozen: assignment.ongoing,
      });
      if (flags.execute === true) await carryOut(client, plan, flags.wait === true, flags.timeoutMs);
      if (flags.output === 'json') return out(json({ executed: flags.execute === true, ...plan }));
      out(`${summary(plan)}${flags.execute === true ? '' : ' (run again with --execute)'}\n`);
      if (plan.moves.length > 0) out(`${reassignmentJson(plan.moves)}\n`);
    });
  });
}

export function nodeCommand(): Command {
  const node = new Command('node').description('one broker of the cluster');
  withConnection(
    node
      .command('decommission')
      .description('move every replica off a broker and mark it decommissioned (no new replicas go there)')
      .argument('<id>', 'the broker id', integer)
      .option('--no-wait', 'return once the moves are started')
      .option('--timeout-ms <ms>', 'how long to wait for the moves', integer, 600_000),
  ).action(async (id: number, flags: MoveFlags) => {
    await withClient(flags, async (client) => {
      const before = await clusterAssignment(client);
      if (!before.brokers.includes(id) && !before.partitions.some((p) => p.replicas.includes(id))) {
        throw new ClientError(`broker ${id} is not in the cluster`);
      }
      // First, so that no topic created meanwhile is placed there.
      await new ReassignmentAdmin(client).unregisterBroker(id);
      const wait = flags.wait !== false;
      // A topic created before the mark may still land there: plan again until nothing is left.
      for (let round = 0; ; round++) {
        const assignment = await clusterAssignment(client);
        const plan = planRebalance({
          brokers: assignment.brokers,
          partitions: assignment.partitions,
          frozen: assignment.ongoing,
          drain: [id],
        });
        const draining = plan.moves.filter((m) =>
          assignment.partitions.some(
            (p) => p.topic === m.topic && p.partition === m.partition && p.replicas.includes(id),
          ),
        );
        if (plan.unplaced.length > 0) {
          const p = plan.unplaced[0]!;
          throw new ClientError(
            `${plan.unplaced.length} partitions have no broker to move to (${p.topic}-${p.partition} on ${p.replicas.join(',')}); add brokers first`,
          );
        }
        if (draining.length === 0 && assignment.ongoing.size === 0) break;
        if (round === 0) note(`decommissioning broker ${id}: ${draining.length} partitions to move`);
        // Only the partitions on the drained broker: the rest of the cluster is not rebalanced here.
        await carryOut(client, { ...plan, moves: draining }, wait, flags.timeoutMs);
        if (!wait)
          return out(
            flags.output === 'json'
              ? json({ broker: id, started: draining.length })
              : `started ${draining.length} moves\n`,
          );
        if (round > 10) throw new ClientError(`broker ${id} still holds replicas after ${round} rounds`);
      }
      out(
        flags.output === 'json'
          ? json({ broker: id, decommissioned: true })
          : `broker ${id} holds no replicas; decommissioned (stop it, and it leaves the cluster)\n`,
      );
    });
  });
  return node;
}
