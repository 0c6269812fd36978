// brook produce <topic>: each line of stdin is a record's value, or with --key-separator a key,
// the separator and a value (kafka-console-producer's parse.key and key.separator, kcat -K).
// Lines are sent in batches as they arrive — a batch leaves when 1,000 lines are waiting or
// stdin has been quiet for LINGER_MS — and each batch is acknowledged before the next goes, so
// the records of a partition keep the order of the lines.
import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { type Acks, ClientError, Producer, type ProducerRecord, type RecordMetadata } from '../../client/index.js';
import { type ConnectionFlags, withClient, withConnection } from '../connection.js';
import { note, out } from '../output.js';
import { acks, integer, keyValue } from '../parse.js';

const BATCH_LINES = 1_000;
const LINGER_MS = 5;

interface ProduceFlags extends ConnectionFlags {
  readonly keySeparator?: string;
  readonly header: Record<string, string>;
  readonly acks: Acks;
  readonly partition?: number;
  readonly timeoutMs: number;
}

export function produceCommand(): Command {
  return withConnection(
    new Command('produce')
      .argument('<topic>')
      .description('produce the lines of stdin as records (value, or key<separator>value)')
      .option('--key-separator <text>', 'each line is key<text>value (a line without it is refused)')
      .option('--header <key=value>', 'a header on every record (repeatable)', keyValue, {})
      .addOption(new Option('--acks <acks>', 'all (-1), 1 or 0').argParser(acks).default(-1, 'all'))
      .option('--partition <n>', 'every record to this partition (default: by key, else one per batch)', integer(0))
      .option('--timeout-ms <ms>', 'how long the broker may wait for replicas', integer(1), 30_000),
  ).action(async (topic: string, flags: ProduceFlags) => {
    await withClient(flags, async (client) => {
      const producer = new Producer(client);
      const headers = Object.entries(flags.header).map(([key, value]) => ({ key, value: Buffer.from(value) }));
      let lineNumber = 0;
      let count = 0;
      const toRecord = (line: string): ProducerRecord => {
        lineNumber++;
        if (flags.keySeparator === undefined) return { key: null, value: Buffer.from(line), headers };
        const at = line.indexOf(flags.keySeparator);
        if (at < 0) throw new ClientError(`line ${lineNumber} has no key separator '${flags.keySeparator}'`);
        return {
          key: Buffer.from(line.slice(0, at)),
          value: Buffer.from(line.slice(at + flags.keySeparator.length)),
          headers,
        };
      };
      const sent = (results: readonly RecordMetadata[]) => {
        count += results.length;
        if (flags.output === 'json') out(results.map((r) => `${JSON.stringify(r)}\n`).join(''));
      };
      await forBatches(async (lines) =>
        sent(
          await producer.send(topic, lines.map(toRecord), {
            acks: flags.acks,
            timeoutMs: flags.timeoutMs,
            ...(flags.partition !== undefined ? { partition: flags.partition } : {}),
          }),
        ),
      );
      if (flags.output !== 'json') note(`produced ${count} record${count === 1 ? '' : 's'} to ${topic}`);
    });
  });
}

/** Calls `send` with the lines of stdin in batches, one batch at a time, until stdin ends. */
async function forBatches(send: (lines: string[]) => Promise<void>): Promise<void> {
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let waiting: string[] = [];
  let sending: Promise<void> = Promise.resolve();
  const state: { failure: Error | null } = { failure: null };
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (waiting.length === 0) return;
    const lines = waiting;
    waiting = [];
    sending = sending
      .then(() => (state.failure === null ? send(lines) : undefined))
      .catch((err: unknown) => {
        state.failure ??= err instanceof Error ? err : new Error(String(err));
        input.close();
      });
  };
  for await (const line of input) {
    if (state.failure !== null) break;
    waiting.push(line);
    if (waiting.length >= BATCH_LINES) {
      flush();
      await sending; // read no further ahead than one batch
    } else timer ??= setTimeout(flush, LINGER_MS);
  }
  flush();
  await sending;
  if (state.failure !== null) throw state.failure;
}
