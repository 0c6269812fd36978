// The value type of message.format.version (deprecated in Kafka 3.x, gone in 4): the versions
// Kafka 3.x accepted there, its MetadataVersion strings, each release with its internal versions
// ("0.10.0", "0.10.0-IV1", "2.8", "3.0-IV1"). Kafka reads "2.8.1" as release 2.8 and "0.10.2.1"
// as 0.10.2 (three segments before 1.0, two after); so does this type.
import { InvalidSettingValue, type ValueType } from './value-types.js';

/** Each release and how many internal versions (-IV0, -IV1, ...) Kafka 3.x knew for it. */
const RELEASES: readonly (readonly [string, number])[] = [
  ['0.8.0', 0],
  ['0.8.1', 0],
  ['0.8.2', 0],
  ['0.9.0', 0],
  ['0.10.0', 2],
  ['0.10.1', 3],
  ['0.10.2', 1],
  ['0.11.0', 3],
  ['1.0', 1],
  ['1.1', 1],
  ['2.0', 2],
  ['2.1', 3],
  ['2.2', 2],
  ['2.3', 2],
  ['2.4', 2],
  ['2.5', 1],
  ['2.6', 1],
  ['2.7', 3],
  ['2.8', 2],
  ['3.0', 2],
  ['3.1', 1],
  ['3.2', 1],
  ['3.3', 4],
  ['3.4', 1],
  ['3.5', 3],
  ['3.6', 3],
  ['3.7', 5],
  ['3.8', 1],
  ['3.9', 1],
];

const KNOWN: ReadonlySet<string> = new Set(
  RELEASES.flatMap(([release, internal]) => [
    release,
    ...Array.from({ length: internal }, (_, i) => `${release}-IV${i}`),
  ]),
);

function releaseOf(value: string): string {
  const segments = value.split('.');
  const kept = value.startsWith('0.') ? 3 : 2;
  return segments.length > kept ? segments.slice(0, kept).join('.') : value;
}

/** A Kafka 3.x version string, kept as given. */
export function kafkaVersion(): ValueType<string> {
  const range = 'a Kafka version from 0.8.0 to 3.9 (0.10.2, 2.8-IV1, 3.0-IV1)';
  const check = (value: string): void => {
    if (!KNOWN.has(releaseOf(value))) throw new InvalidSettingValue(`must be ${range}`);
  };
  return {
    kafkaType: 'string',
    range,
    placeholder: 'version',
    parse(raw) {
      check(raw);
      return raw;
    },
    check,
    format: (value) => value,
  };
}
