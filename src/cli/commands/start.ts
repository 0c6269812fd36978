// brook start [flags]: runs a node with exactly the flags of `node dist/node.js` (`brook start
// --help` lists them). main.ts hands everything after `start` to the node unparsed; this command
// exists so `brook --help` lists it.
import { Command } from 'commander';

export function startCommand(): Command {
  return new Command('start')
    .description('run a node (the flags of node dist/node.js; brook start --help lists them)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments();
}
