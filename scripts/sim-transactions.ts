// Runs the transaction simulation over many seeds (`npm run sim -- --transactions ...`):
//   --seeds N --start S [--bug completeOnSend|ignoreMarkerErrors] [--trace TRANSACTIONAL_ID] [--verbose]
// A failing seed prints `seed=N` and its first violations; rerun it alone with `--start N --seeds 1`
// (and `--trace txn-0` to print that id's __transaction_state records): it replays exactly.
import { Command } from 'commander';
import { runTransactionSimulation, SimBug } from '../test/sim/transactions/simulation.js';

export async function transactionsMain(): Promise<void> {
  const program = new Command()
    .option('--transactions', 'run the transaction simulation')
    .option('--seeds <n>', 'number of seeds to run', '100')
    .option('--start <s>', 'first seed', '1')
    .option('--safety-ms <ms>', 'virtual duration of the fault phase', '12000')
    .option('--liveness-ms <ms>', 'bound on the liveness phase', '20000')
    .option('--bug <name>', `plant a bug (${Object.values(SimBug).join(', ')})`, '')
    .option('--trace <id>', "print a transactional id's __transaction_state records", '')
    .option('--verbose', 'print stats for every seed', false)
    .parse();
  const o = program.opts<{
    seeds: string;
    start: string;
    safetyMs: string;
    livenessMs: string;
    bug: string;
    trace: string;
    verbose: boolean;
  }>();
  const start = Number(o.start);
  const seeds = Number(o.seeds);
  let failed = 0;
  const began = Date.now();
  for (let seed = start; seed < start + seeds; seed++) {
    const res = await runTransactionSimulation({
      seed,
      safetyMs: Number(o.safetyMs),
      livenessMs: Number(o.livenessMs),
      ...(o.bug ? { bug: o.bug as SimBug } : {}),
      ...(o.trace ? { trace: o.trace } : {}),
    });
    if (!res.ok) {
      failed++;
      console.log(
        `seed=${seed} FAILED: ${res.violations
          .slice(0, 5)
          .map((v) => `${v.kind}: ${v.detail}`)
          .join('; ')}`,
      );
    } else if (o.verbose) {
      console.log(`seed=${seed} ok ${JSON.stringify(res.stats)}`);
    }
  }
  console.log(`${seeds - failed}/${seeds} seeds passed in ${((Date.now() - began) / 1000).toFixed(1)}s`);
  process.exitCode = failed > 0 ? 1 : 0;
}
