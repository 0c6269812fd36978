// Runs the Raft simulation over many seeds: `npm run sim -- --seeds N [--start S] [--nodes 3|5]`.
// A failing seed prints `seed=N` and the violation; rerun it alone with `--start N --seeds 1`.
// `npm run sim -- --replication ...` runs the partition replication simulation instead
// (scripts/sim-replication.ts has its flags); `npm run sim -- --transactions ...` the transaction
// simulation (scripts/sim-transactions.ts).
import { Command } from 'commander';
import { runSimulation, SimBug } from '../test/sim/simulation.js';
import { replicationMain } from './sim-replication.js';
import { transactionsMain } from './sim-transactions.js';

if (process.argv.includes('--replication')) await replicationMain();
else if (process.argv.includes('--transactions')) await transactionsMain();
else await runRaftSeeds();

async function runRaftSeeds(): Promise<void> {
  const program = new Command()
    .option('--seeds <n>', 'number of seeds to run', '100')
    .option('--start <s>', 'first seed', '1')
    .option('--nodes <n>', 'cluster size: 3 or 5 (default: alternate)', '')
    .option('--safety-ms <ms>', 'virtual duration of the fault phase', '10000')
    .option('--liveness-ms <ms>', 'bound on the liveness phase', '15000')
    .option('--bug <name>', `inject a deliberate bug (${Object.values(SimBug).join(', ')})`, '')
    .option('--verbose', 'print stats for every seed', false)
    .parse();
  const o = program.opts<{
    seeds: string;
    start: string;
    nodes: string;
    safetyMs: string;
    livenessMs: string;
    bug: string;
    verbose: boolean;
  }>();

  const seeds = Number(o.seeds);
  const start = Number(o.start);
  const bug = o.bug === '' ? undefined : (o.bug as SimBug);
  let failed = 0;
  const began = Date.now();
  for (let seed = start; seed < start + seeds; seed++) {
    const nodes = o.nodes === '' ? (seed % 2 === 0 ? 5 : 3) : (Number(o.nodes) as 3 | 5);
    const res = await runSimulation({
      seed,
      nodes,
      safetyMs: Number(o.safetyMs),
      livenessMs: Number(o.livenessMs),
      ...(bug ? { bug } : {}),
    });
    if (!res.ok) {
      failed++;
      console.log(`seed=${seed} nodes=${nodes} FAILED: ${res.violation}`);
    } else if (o.verbose) {
      console.log(`seed=${seed} nodes=${nodes} ok ${JSON.stringify(res.stats)}`);
    }
  }
  console.log(`${seeds - failed}/${seeds} seeds passed in ${((Date.now() - began) / 1000).toFixed(1)}s`);
  process.exitCode = failed > 0 ? 1 : 0;
}
