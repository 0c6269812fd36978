// Values as a reader says them (1 GiB, 7 days), for --help and the README. DescribeConfigs and
// the flags keep Kafka's plain numbers.
import type { Unit } from './setting.js';

const BYTE_UNITS: readonly [string, number][] = [
  ['GiB', 1024 ** 3],
  ['MiB', 1024 ** 2],
  ['KiB', 1024],
];

const MS_UNITS: readonly [string, number][] = [
  ['days', 24 * 3600 * 1000],
  ['h', 3600 * 1000],
  ['min', 60 * 1000],
  ['s', 1000],
];

/** A number in the largest unit that divides it exactly; negative values (Kafka's "unset") as they are. */
export function humanNumber(value: number, unit: Unit | undefined): string {
  if (value === Number.MAX_SAFE_INTEGER) return 'never';
  if (value <= 0) return String(value);
  const units = unit === 'bytes' ? BYTE_UNITS : unit === 'ms' ? MS_UNITS : [];
  for (const [name, size] of units) {
    if (value % size === 0) return `${value / size} ${value === size && name === 'days' ? 'day' : name}`;
  }
  return unit === 'ms' ? `${value} ms` : String(value);
}
