// --format for consumed records, with kcat's -f placeholders: %t topic, %p partition, %o offset,
// %T timestamp (ms), %k key, %s value, %K and %S their lengths (-1 for null), %h headers as
// k=v,k=v, %% a percent sign; \n, \t, \r and \\ are escapes. A null key or value prints as
// nothing. The template is checked once, so a bad placeholder is a usage error, not a record error.
import { InvalidArgumentError } from 'commander';
import type { ConsumedRecord } from '../client/index.js';

type Piece = string | ((r: ConsumedRecord) => string);

const PLACEHOLDERS: Readonly<Record<string, (r: ConsumedRecord) => string>> = {
  t: (r) => r.topic,
  p: (r) => String(r.partition),
  o: (r) => String(r.offset),
  T: (r) => String(r.timestamp),
  k: (r) => r.key?.toString() ?? '',
  s: (r) => r.value?.toString() ?? '',
  K: (r) => String(r.key?.length ?? -1),
  S: (r) => String(r.value?.length ?? -1),
  h: (r) => r.headers.map((h) => `${h.key}=${h.value?.toString() ?? ''}`).join(','),
};

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '\\': '\\' };

export type RecordFormatter = (record: ConsumedRecord) => string;

export function parseFormat(template: string): RecordFormatter {
  const pieces: Piece[] = [];
  let text = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    const next = template[i + 1];
    if (c === '%' || c === '\\') {
      if (next === undefined) throw new InvalidArgumentError(`the format ends with a lone ${c}`);
      i++;
      if (c === '\\') {
        const escaped = ESCAPES[next];
        if (escaped === undefined) throw new InvalidArgumentError(`unknown escape \\${next}`);
        text += escaped;
      } else if (next === '%') {
        text += '%';
      } else {
        const placeholder = PLACEHOLDERS[next];
        if (!placeholder)
          throw new InvalidArgumentError(
            `unknown placeholder %${next} (one of %${Object.keys(PLACEHOLDERS).join(' %')} %%)`,
          );
        if (text !== '') pieces.push(text);
        text = '';
        pieces.push(placeholder);
      }
      continue;
    }
    text += c;
  }
  if (text !== '') pieces.push(text);
  return (record) => pieces.map((p) => (typeof p === 'string' ? p : p(record))).join('');
}

/** A record as JSON (--output json): strings for key and value, null when absent. */
export function recordJson(r: ConsumedRecord): Record<string, unknown> {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key?.toString() ?? null,
    value: r.value?.toString() ?? null,
    headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString() ?? null])),
  };
}
