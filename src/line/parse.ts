// The line protocol's grammar, pure: one line in, one command (or the error to answer) out.
//
//   PRODUCE <topic> <key> <value>       the value is the rest of the line, spaces and all
//   CONSUME <topic> <partition> <offset> [<max records>]
//
// Words are separated by spaces or tabs; the command word is case-insensitive. A line that does
// not parse gets `ERR INVALID_REQUEST <why>`, and the connection goes on.
export const CONSUME_RECORDS_DEFAULT = 100;
export const CONSUME_RECORDS_MAX = 1_000;

export type LineCommand =
  | { readonly kind: 'produce'; readonly topic: string; readonly key: string; readonly value: string }
  | {
      readonly kind: 'consume';
      readonly topic: string;
      readonly partition: number;
      readonly offset: number;
      readonly maxRecords: number;
    }
  | { readonly kind: 'invalid'; readonly reason: string };

const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const COUNT = /^\d{1,15}$/;

/** The first `n` words of `line` and what follows the n-th word's separator. */
function words(line: string, n: number): { words: string[]; rest: string } {
  const out: string[] = [];
  let at = 0;
  while (out.length < n) {
    while (at < line.length && (line[at] === ' ' || line[at] === '\t')) at++;
    if (at >= line.length) break;
    const start = at;
    while (at < line.length && line[at] !== ' ' && line[at] !== '\t') at++;
    out.push(line.slice(start, at));
  }
  // One separator belongs to the syntax; the value keeps any further spaces.
  return { words: out, rest: at < line.length ? line.slice(at + 1) : '' };
}

export function parseLine(line: string): LineCommand {
  const head = words(line, 1).words[0];
  if (head === undefined)
    return {
      kind: 'invalid',
      reason: 'empty line (PRODUCE <topic> <key> <value> or CONSUME <topic> <partition> <offset>)',
    };
  switch (head.toUpperCase()) {
    case 'PRODUCE': {
      const { words: w, rest } = words(line, 3);
      if (w.length < 3 || rest === '') return { kind: 'invalid', reason: 'usage: PRODUCE <topic> <key> <value>' };
      if (!TOPIC.test(w[1]!)) return { kind: 'invalid', reason: `'${w[1]}' is not a topic name` };
      return { kind: 'produce', topic: w[1]!, key: w[2]!, value: rest };
    }
    case 'CONSUME': {
      const { words: w } = words(line, 6);
      if (w.length < 4 || w.length > 5)
        return { kind: 'invalid', reason: 'usage: CONSUME <topic> <partition> <offset> [<max records>]' };
      const [, topic, partition, offset, max] = w as [string, string, string, string, string | undefined];
      if (!TOPIC.test(topic)) return { kind: 'invalid', reason: `'${topic}' is not a topic name` };
      if (!COUNT.test(partition) || Number(partition) > 2 ** 31 - 1)
        return { kind: 'invalid', reason: `partition '${partition}' is not a number` };
      if (!COUNT.test(offset)) return { kind: 'invalid', reason: `offset '${offset}' is not a number` };
      const maxRecords = max === undefined ? CONSUME_RECORDS_DEFAULT : Number(max);
      if (max !== undefined && (!COUNT.test(max) || maxRecords < 1 || maxRecords > CONSUME_RECORDS_MAX)) {
        return { kind: 'invalid', reason: `max records must be 1 to ${CONSUME_RECORDS_MAX}` };
      }
      return { kind: 'consume', topic, partition: Number(partition), offset: Number(offset), maxRecords };
    }
    default:
      return { kind: 'invalid', reason: `unknown command '${head}' (PRODUCE or CONSUME)` };
  }
}

/**
 * A key or value on a reply line: backslash, newline and carriage return escaped (\\ \n \r), and
 * in a key a space too (\s), so the words of a RECORD line can be told apart; null is \N.
 */
export function escapeField(bytes: Buffer | null, isKey: boolean): string {
  if (bytes === null) return '\\N';
  const text = bytes.toString('utf8');
  let out = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  if (isKey) out = out.replace(/ /g, '\\s');
  return out === '' && isKey ? '\\e' : out;
}
