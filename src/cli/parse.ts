// Parsers for option values, each throwing commander's InvalidArgumentError so a bad value is
// one line naming the option (`brook: option '--partitions <n>' argument 'x' is invalid. ...`).
import { InvalidArgumentError } from 'commander';

export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`,
      );
    }
    return value;
  };
}

/** `key=value`, collected into a record (repeatable options). */
export function keyValue(raw: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = raw.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('key=value');
  return { ...previous, [raw.slice(0, at)]: raw.slice(at + 1) };
}

export function collect(raw: string, previous: string[] = []): string[] {
  return [...previous, raw];
}

/** Partition numbers, repeatable and comma-separated (`--partition 0,2 --partition 5`). */
export function partitions(raw: string, previous: number[] = []): number[] {
  const parse = integer(0);
  return [...previous, ...raw.split(',').map((p) => parse(p.trim()))];
}

/** A time as milliseconds since the epoch or an ISO-8601 date (2026-01-31T12:00:00Z). */
export function timestamp(raw: string): number {
  if (/^\d+$/.test(raw.trim())) return Number(raw);
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('milliseconds since the epoch or an ISO-8601 date');
  return ms;
}

export function acks(raw: string): -1 | 0 | 1 {
  const value = raw.trim().toLowerCase();
  if (value === 'all' || value === '-1') return -1;
  if (value === '1') return 1;
  if (value === '0') return 0;
  throw new InvalidArgumentError('all, -1, 1 or 0');
}
