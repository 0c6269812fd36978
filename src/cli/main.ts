#!/usr/bin/env node
// The `brook` command: `brook start` runs a node; every other command is a client of a cluster
// (topics, produce, consume, groups, the cluster and its partitions, users and ACLs, a topics
// file). An error is one line on stderr, `brook: ...`, and a non-zero exit: 2 for a usage error (a
// bad flag or value), 1 for everything else (an unknown topic, an unreachable broker, a refused
// request).
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ClientError } from '../client/index.js';
import { aclCommand } from './commands/acl.js';
import { applyCommand } from './commands/apply.js';
import { clusterCommand } from './commands/cluster.js';
import { consumeCommand } from './commands/consume.js';
import { groupCommand } from './commands/group.js';
import { partitionCommand } from './commands/partition.js';
import { produceCommand } from './commands/produce.js';
import { nodeCommand } from './commands/rebalance.js';
import { startCommand } from './commands/start.js';
import { topicCommand } from './commands/topic.js';
import { userCommand } from './commands/user.js';

const VERSION = '0.1.0';
const USAGE_EXIT = 2;

function program(): Command {
  const root = new Command('brook')
    .description('Brook, a Kafka-compatible message broker: run a node, or manage and use a cluster')
    .version(VERSION)
    .addCommand(startCommand())
    .addCommand(topicCommand())
    .addCommand(produceCommand())
    .addCommand(consumeCommand())
    .addCommand(groupCommand())
    .addCommand(clusterCommand())
    .addCommand(partitionCommand())
    .addCommand(nodeCommand())
    .addCommand(userCommand())
    .addCommand(aclCommand())
    .addCommand(applyCommand());
  const configure = (command: Command) => {
    command
      .exitOverride()
      .allowExcessArguments(false)
      .configureOutput({
        writeOut: (s) => process.stdout.write(s),
        writeErr: (s) => process.stderr.write(s),
        outputError: (s, write) => write(`brook: ${s.replace(/^error: /, '').trimEnd()}\n`),
      });
    for (const sub of command.commands) configure(sub);
  };
  configure(root);
  return root;
}

/** Exits once what was written to stdout and stderr has left (they may be pipes). */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

function fail(message: string, code: number): void {
  process.stderr.write(`brook: ${message}\n`);
  exit(code);
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === 'start') {
    const { runNode } = await import('../index.js');
    return runNode(argv.slice(1));
  }
  try {
    await program().parseAsync(argv, { from: 'user' });
  } catch (err) {
    // Commander prints what it finds parsing; a bad value found later by an action is ours to print.
    if (err instanceof InvalidArgumentError) return fail(err.message, USAGE_EXIT);
    if (err instanceof CommanderError) {
      // Help and the version were printed and are not errors; commander printed the rest.
      return exit(err.exitCode === 0 ? 0 : USAGE_EXIT);
    }
    if (err instanceof ClientError) return fail(err.message, 1);
    const detail = process.env.BROOK_DEBUG === '1' && err instanceof Error ? `\n${err.stack}` : '';
    return fail(`unexpected error: ${err instanceof Error ? err.message : String(err)}${detail}`, 1);
  }
  // Sockets and timers are closed; exit rather than wait for stragglers (a lingering keep-alive
  // of fetch()).
  exit(0);
}

void main(process.argv.slice(2));
