// Runs the partition replication simulation over many seeds:
//   node --import tsx scripts/sim-replication.ts --seeds N [--start S] [--nodes 3|5] [--w W --r R] [--unsafe]
// (also `npm run sim -- --replication ...`). Without --w/--r each seed takes its configuration from
// configForSeed (N alternates, (W, R) cycles through the safe combinations, or the unsafe ones with
// --unsafe). A failing seed prints `seed=N` and its configuration; rerun it alone with the same
// flags and `--start N --seeds 1`: it replays exactly.
import { Command } from 'commander';
import {
  configForSeed,
  describeConfig,
  ReplicationSimBug,
  runReplicationSimulation,
} from '../test/sim/replication/simulation.js';

export interface ReplicationSimCliOptions {
  readonly seeds: number;
  readonly start: number;
  readonly nodes?: 3 | 5;
  readonly w?: number;
  readonly r?: number;
  readonly unsafe: boolean;
  readonly safetyMs: number;
  readonly livenessMs: number;
  readonly verbose: boolean;
  readonly bug?: ReplicationSimBug;
  /** Stack traces and the replicas' state in a failure; `trace`: print crashes, leaderships and commits. */
  readonly stack?: boolean;
  readonly trace?: boolean;
}

/** Runs the seeds; resolves with how many failed. */
export async function runReplicationSeeds(o: ReplicationSimCliOptions): Promise<number> {
  let failed = 0;
  const began = Date.now();
  for (let seed = o.start; seed < o.start + o.seeds; seed++) {
    const base = configForSeed(seed, o.unsafe ? 'unsafe' : 'safe', o.nodes);
    const config =
      o.w !== undefined && o.r !== undefined ? { replicas: base.replicas, writeQuorum: o.w, readQuorum: o.r } : base;
    const res = await runReplicationSimulation({
      seed,
      ...config,
      safetyMs: o.safetyMs,
      livenessMs: o.livenessMs,
      ...(o.bug !== undefined ? { bug: o.bug } : {}),
      ...(o.stack === true ? { stack: true } : {}),
      ...(o.trace === true ? { trace: (line: string) => console.log(line) } : {}),
    });
    const flags = `--nodes ${config.replicas} --w ${config.writeQuorum} --r ${config.readQuorum}${o.bug !== undefined ? ` --bug ${o.bug}` : ''}`;
    if (!res.ok) {
      failed++;
      console.log(
        `seed=${seed} ${describeConfig(config)} FAILED (replay: --start ${seed} --seeds 1 ${flags} --safety-ms ${o.safetyMs}): ${res.violation}`,
      );
    } else if (o.verbose) {
      console.log(`seed=${seed} ${describeConfig(config)} ok ${JSON.stringify(res.stats)}`);
    }
  }
  console.log(`${o.seeds - failed}/${o.seeds} seeds passed in ${((Date.now() - began) / 1000).toFixed(1)}s`);
  return failed;
}

/** The command line; `argv` defaults to this process's. */
export async function replicationMain(argv: readonly string[] = process.argv): Promise<void> {
  const program = new Command()
    .option('--replication', 'accepted for symmetry with `npm run sim -- --replication`', false)
    .option('--seeds <n>', 'number of seeds to run', '200')
    .option('--start <s>', 'first seed', '1')
    .option('--nodes <n>', 'replication factor: 3 or 5 (default: alternate)', '')
    .option('--w <w>', 'write quorum (with --r; default: per seed)', '')
    .option('--r <r>', 'read quorum (with --w)', '')
    .option('--unsafe', 'use W + R <= N combinations (failures expected: proof the checker can fail)', false)
    .option('--safety-ms <ms>', 'virtual duration of the fault phase', '4000')
    .option('--liveness-ms <ms>', 'bound on the liveness phase', '10000')
    .option('--verbose', 'print stats for every seed', false)
    .option('--bug <name>', `plant a bug in the real shell (${Object.values(ReplicationSimBug).join(', ')})`, '')
    .option('--stack', 'with a failure: stack trace and the replicas state', false)
    .option('--trace', 'print crashes, leadership changes and metadata commits', false)
    .parse([...argv]);
  const o = program.opts<{
    seeds: string;
    start: string;
    nodes: string;
    w: string;
    r: string;
    unsafe: boolean;
    safetyMs: string;
    livenessMs: string;
    verbose: boolean;
    bug: string;
    stack: boolean;
    trace: boolean;
  }>();
  if (o.bug !== '' && !(Object.values(ReplicationSimBug) as string[]).includes(o.bug))
    throw new Error(`unknown --bug ${o.bug}; one of ${Object.values(ReplicationSimBug).join(', ')}`);
  const failed = await runReplicationSeeds({
    seeds: Number(o.seeds),
    start: Number(o.start),
    ...(o.nodes !== '' ? { nodes: Number(o.nodes) as 3 | 5 } : {}),
    ...(o.w !== '' && o.r !== '' ? { w: Number(o.w), r: Number(o.r) } : {}),
    unsafe: o.unsafe,
    safetyMs: Number(o.safetyMs),
    livenessMs: Number(o.livenessMs),
    verbose: o.verbose,
    ...(o.bug !== '' ? { bug: o.bug as ReplicationSimBug } : {}),
    stack: o.stack,
    trace: o.trace,
  });
  // With unsafe quorums a violation is the expected finding; finding none means the checker is blind.
  process.exitCode = o.unsafe ? (failed === 0 ? 1 : 0) : failed > 0 ? 1 : 0;
  if (o.unsafe)
    console.log(
      failed > 0
        ? `unsafe quorums: ${failed} seeds lost writes, as they must`
        : 'unsafe quorums: no violation found (the checker should have found one)',
    );
}

if (import.meta.url === `file://${process.argv[1]}`) await replicationMain();
