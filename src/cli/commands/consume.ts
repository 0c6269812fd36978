// brook consume <topic>: prints records as they arrive, from the start position (the end by
// default, as kafka-console-consumer; --from-beginning, --offset, --timestamp), of every
// partition or those given, or as a member of a group (--group: the group assigns partitions,
// starts where it committed, and commits what was printed). --count stops after n records,
// --exit-at-end once every partition is read to its high watermark (kcat -e), --timeout-ms after
// that long without a record. Ctrl-C stops cleanly: a member commits and leaves its group.
import { Command, Option } from 'commander';
import { ClientError, Consumer, GROUP_DEFAULTS, type StartPosition } from '../../client/index.js';
import { type ConnectionFlags, withClient, withConnection } from '../connection.js';
import { parseFormat, type RecordFormatter, recordJson } from '../format.js';
import { note, out } from '../output.js';
import { integer, partitions, timestamp } from '../parse.js';

interface ConsumeFlags extends ConnectionFlags {
  readonly fromBeginning?: boolean;
  readonly offset?: string;
  readonly timestamp?: number;
  readonly group?: string;
  readonly partition?: number[];
  readonly count?: number;
  readonly exitAtEnd?: boolean;
  readonly timeoutMs?: number;
  /** Checked as the flags are parsed, so a bad template is a usage error before anything is read. */
  readonly format: RecordFormatter;
}

function startOf(flags: ConsumeFlags): StartPosition {
  const given = [flags.fromBeginning === true, flags.offset !== undefined, flags.timestamp !== undefined];
  if (given.filter(Boolean).length > 1) {
    throw new ClientError('give one of --from-beginning, --offset and --timestamp');
  }
  if (flags.fromBeginning) return 'earliest';
  if (flags.timestamp !== undefined) return { timestampMs: flags.timestamp };
  if (flags.offset === undefined || flags.offset === 'latest' || flags.offset === 'end') return 'latest';
  if (flags.offset === 'earliest' || flags.offset === 'beginning') return 'earliest';
  if (!/^\d+$/.test(flags.offset))
    throw new ClientError(`--offset must be earliest, latest or an offset, got '${flags.offset}'`);
  if (flags.group !== undefined)
    throw new ClientError('--offset <n> and --group cannot be used together (use brook group seek)');
  return { offset: Number(flags.offset) };
}

export function consumeCommand(): Command {
  return withConnection(
    new Command('consume')
      .argument('<topic>')
      .description('print a topic’s records (from the end unless told otherwise)')
      .option('--from-beginning', 'start at each partition’s log start')
      .option('--offset <where>', 'earliest, latest, or an offset (with --partition)')
      .option('--timestamp <time>', 'start at the first record at or after this time (ms or ISO-8601)', timestamp)
      .option('--group <id>', 'consume as a member of this group (the start applies where it has no offset)')
      .option('--partition <n>', 'only these partitions (repeatable, or comma-separated)', partitions)
      .option('--count <n>', 'stop after n records', integer(1))
      .option('--exit-at-end', 'stop once every partition is read to its end')
      .option('--timeout-ms <ms>', 'stop after this long without a record', integer(1))
      .addOption(
        new Option('--format <template>', 'kcat-style: %t %p %o %T %k %s %K %S %h, \\n \\t')
          .argParser(parseFormat)
          .default(parseFormat('%s\\n'), "'%s\\n'"),
      ),
  ).action(async (topic: string, flags: ConsumeFlags) => {
    const start = startOf(flags);
    if (flags.group !== undefined && flags.partition !== undefined) {
      throw new ClientError('--partition and --group cannot be used together: the group assigns partitions');
    }
    const format: RecordFormatter =
      flags.output === 'json' ? (r) => `${JSON.stringify(recordJson(r))}\n` : flags.format;
    await withClient(flags, async (client) => {
      const consumer = new Consumer(client, {
        topic,
        start,
        ...(flags.partition !== undefined ? { partitions: flags.partition } : {}),
        ...(flags.group !== undefined
          ? { group: { groupId: flags.group, ...GROUP_DEFAULTS, autoCommitIntervalMs: 5_000 } }
          : {}),
        ...(flags.exitAtEnd ? { exitAtEnd: true } : {}),
      });
      let printed = 0;
      let idle: NodeJS.Timeout | null = null;
      let stop: () => void = () => undefined;
      const stopped = new Promise<'stopped'>((resolve) => (stop = () => resolve('stopped')));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const armIdle = () => {
        if (flags.timeoutMs === undefined) return;
        if (idle) clearTimeout(idle);
        idle = setTimeout(stop, flags.timeoutMs);
      };
      const records = consumer.records();
      armIdle();
      try {
        for (;;) {
          const next = await Promise.race([records.next(), stopped]);
          if (next === 'stopped' || next.done === true) break;
          out(format(next.value));
          printed++;
          armIdle();
          if (flags.count !== undefined && printed >= flags.count) break;
        }
      } finally {
        if (idle) clearTimeout(idle);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        // Close first: a generator's return() waits for its pending next(), which ends only once
        // the consumer is closed (a fetch round that finds nothing would otherwise loop forever).
        await consumer.close();
        await records.return(undefined);
      }
      if (flags.output !== 'json') note(`consumed ${printed} record${printed === 1 ? '' : 's'}`);
    });
  });
}
