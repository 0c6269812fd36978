// brook apply -f FILE: makes the cluster's topics match a YAML topics file. It prints the
// difference first (+ create, ~ change, - remove, ! conflict), then applies it — unless
// --dry-run. Nothing is deleted unless --prune (topics the file does not list, topic configs it
// does not name); a conflict (fewer partitions, another replication factor) refuses the whole
// plan. Applying the same file again finds no changes.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { applyPlan, describePlan, parseTopicsFile, planFile, TopicsFileError } from '../../apply/index.js';
import { Admin, ClientError } from '../../client/index.js';
import { type ConnectionFlags, withClient, withConnection } from '../connection.js';
import { json, out } from '../output.js';

interface ApplyFlags extends ConnectionFlags {
  readonly file: string;
  readonly dryRun?: boolean;
  readonly prune?: boolean;
}

export function applyCommand(): Command {
  return withConnection(
    new Command('apply')
      .description('make the cluster’s topics match a YAML topics file (shows the diff first)')
      .requiredOption('-f, --file <file>', 'the topics file')
      .option('--dry-run', 'show the diff, change nothing')
      .option('--prune', 'also delete topics and topic configs the file does not name'),
  ).action(async (flags: ApplyFlags) => {
    let text: string;
    try {
      text = readFileSync(flags.file, 'utf8');
    } catch (err) {
      throw new ClientError(`cannot read ${flags.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    try {
      const file = parseTopicsFile(flags.file, text);
      await withClient(flags, async (client) => {
        const admin = new Admin(client);
        const plan = await planFile(admin, file, flags.prune === true);
        const diff = describePlan(plan);
        const apply = flags.dryRun !== true && plan.conflicts.length === 0 && plan.steps.length > 0;
        if (flags.output === 'json') {
          if (plan.conflicts.length === 0 && flags.dryRun !== true) await applyPlan(admin, file, plan);
          out(json({ file: flags.file, applied: apply, changes: plan.steps, conflicts: plan.conflicts }));
        } else {
          out(diff.map((l) => `${l}\n`).join(''));
          if (apply) await applyPlan(admin, file, plan);
          if (apply) out(`applied ${plan.steps.length} change${plan.steps.length === 1 ? '' : 's'}\n`);
          else if (flags.dryRun === true && plan.steps.length > 0) out('dry run: nothing changed\n');
        }
        if (plan.conflicts.length > 0) await applyPlan(admin, file, plan); // throws the first conflict
      });
    } catch (err) {
      if (err instanceof TopicsFileError) throw new ClientError(err.message);
      throw err;
    }
  });
}
