// The types a setting's value can have, as Kafka's ConfigDef knows them (int, long, double,
// boolean, string, list, password) plus an enumeration and Brook's own structured values. Each
// type parses the text a flag, a BROOK_* variable or a topic config carries, checks its range,
// and formats a value back to Kafka's text form (DescribeConfigs, --help, the README).

/** Kafka's configType names (DescribeConfigs v3+). */
export type KafkaConfigType =
  'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password';

/** A value that does not fit its type; the message says what would ("must be an integer in [1, 10]"). */
export class InvalidSettingValue extends Error {
  override readonly name = 'InvalidSettingValue';
}

export interface ValueType<T> {
  readonly kafkaType: KafkaConfigType;
  /** What fits, for --help, the README and error messages: "[1024, 2147483647]", "one of a, b". */
  readonly range: string;
  /** The argument's name in --help (`--segment-bytes <n>`). */
  readonly placeholder: string;
  /** Text to value; throws InvalidSettingValue. */
  parse(raw: string): T;
  /** A value given in code (a test's LogConfig) that must fit too; throws InvalidSettingValue. */
  check(value: T): void;
  /** Value to Kafka's text form; parse(format(v)) gives v back. */
  format(value: T): string;
}

const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;
/** Kafka's Long.MAX_VALUE: "never" for flush.messages, message.timestamp.difference.max.ms... */
const LONG_MAX_TEXT = '9223372036854775807';
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

function interval(min: number, max: number): string {
  return max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `[${min}, ${max}]`;
}

function checkedInteger(value: number, min: number, max: number, range: string): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidSettingValue(`must be an integer ${range.startsWith('>=') ? range : `in ${range}`}`);
  }
}

/** Kafka's INT: 32 bits, within [min, max]. */
export function int(min: number, max: number = INT32_MAX): ValueType<number> {
  if (min < INT32_MIN || max > INT32_MAX || min > max) throw new Error(`bad int range [${min}, ${max}]`);
  const range = interval(min, max);
  return {
    kafkaType: 'int',
    range,
    placeholder: 'n',
    parse(raw) {
      const text = raw.trim();
      const value = Number(text);
      if (!/^-?\d+$/.test(text)) checkedInteger(Number.NaN, min, max, range);
      checkedInteger(value, min, max, range);
      return value;
    },
    check: (value) => checkedInteger(value, min, max, range),
    format: (value) => String(value),
  };
}

/**
 * Kafka's LONG, held in a JavaScript number. Values beyond 2^53 are Kafka's "never" (clients send
 * Long.MAX_VALUE): they saturate to Number.MAX_SAFE_INTEGER, which formats back as Long.MAX_VALUE.
 */
export function long(min: number, max: number = Number.MAX_SAFE_INTEGER): ValueType<number> {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) throw new Error('bad long range');
  const saturates = max === Number.MAX_SAFE_INTEGER;
  const range = interval(min, max);
  return {
    kafkaType: 'long',
    range,
    placeholder: 'n',
    parse(raw) {
      const text = raw.trim();
      if (!/^-?\d+$/.test(text)) checkedInteger(Number.NaN, min, max, range);
      const big = BigInt(text);
      if (big > LONG_MAX || big < LONG_MIN) checkedInteger(Number.NaN, min, max, range);
      if (saturates && big > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
      const value = Number(big);
      checkedInteger(value, min, max, range);
      return value;
    },
    check: (value) => checkedInteger(value, min, max, range),
    format: (value) => (value === Number.MAX_SAFE_INTEGER ? LONG_MAX_TEXT : String(value)),
  };
}

/** Kafka's DOUBLE within [min, max] (min.cleanable.dirty.ratio). */
export function double(min: number, max: number): ValueType<number> {
  const range = `[${min}, ${max}]`;
  const check = (value: number): void => {
    if (!Number.isFinite(value) || value < min || value > max) throw new InvalidSettingValue(`must be in ${range}`);
  };
  return {
    kafkaType: 'double',
    range,
    placeholder: 'x',
    parse(raw) {
      const text = raw.trim();
      if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
        throw new InvalidSettingValue(`must be a number in ${range}`);
      const value = Number(text);
      check(value);
      return value;
    },
    check,
    format: (value) => String(value),
  };
}

/** Kafka's BOOLEAN. Start-up flags also take the shell's habits (1/0, yes/no, on/off). */
export function boolean(): ValueType<boolean> {
  return {
    kafkaType: 'boolean',
    range: 'true or false',
    placeholder: 'bool',
    parse(raw) {
      if (/^(true|1|yes|on)$/i.test(raw.trim())) return true;
      if (/^(false|0|no|off)$/i.test(raw.trim())) return false;
      throw new InvalidSettingValue('must be true or false');
    },
    check: () => undefined,
    format: (value) => String(value),
  };
}

/**
 * Kafka's BOOLEAN for a topic config, where Kafka takes only `true` and `false`; `only` narrows it
 * to the one value Brook implements (unclean.leader.election.enable=false).
 */
export function strictBoolean(only?: boolean): ValueType<boolean> {
  const allowed = only === undefined ? ['true', 'false'] : [String(only)];
  const problem = only === undefined ? 'must be true or false' : `must be ${String(only)}`;
  return {
    kafkaType: 'boolean',
    range: allowed.join(' or '),
    placeholder: 'bool',
    parse(raw) {
      if (!allowed.includes(raw)) throw new InvalidSettingValue(problem);
      return raw === 'true';
    },
    check(value) {
      if (!allowed.includes(String(value))) throw new InvalidSettingValue(problem);
    },
    format: (value) => String(value),
  };
}

/** Kafka's STRING, of a bounded length. */
export function text(lengthMin = 0, lengthMax = 4096, placeholder = 'text'): ValueType<string> {
  const range = lengthMin === 0 ? `at most ${lengthMax} characters` : `${lengthMin} to ${lengthMax} characters`;
  const check = (value: string): void => {
    if (value.length < lengthMin || value.length > lengthMax) throw new InvalidSettingValue(`must be ${range}`);
  };
  return {
    kafkaType: 'string',
    range,
    placeholder,
    parse(raw) {
      check(raw);
      return raw;
    },
    check,
    format: (value) => value,
  };
}

/** A secret (SASL passwords, key passphrases): a string that DescribeConfigs never shows. */
export function password(lengthMax = 1024): ValueType<string> {
  return { ...text(0, lengthMax, 'secret'), kafkaType: 'password', range: 'a secret' };
}

/** A STRING that must be one of `values` (message.timestamp.type, the log level). */
export function oneOf<const V extends readonly string[]>(values: V): ValueType<V[number]> {
  const range = `one of ${values.join(', ')}`;
  const isMember = (value: string): value is V[number] => values.includes(value);
  return {
    kafkaType: 'string',
    range,
    placeholder: values.length <= 4 ? values.join('|') : 'value',
    parse(raw) {
      if (!isMember(raw)) throw new InvalidSettingValue(`must be ${range}`);
      return raw;
    },
    check(value) {
      if (!isMember(value)) throw new InvalidSettingValue(`must be ${range}`);
    },
    format: (value) => value,
  };
}

/** Kafka's LIST: comma-separated items of one type, no duplicates (cleanup.policy, listeners). */
export function listOf<T>(
  item: ValueType<T>,
  options: { readonly itemsMin?: number; readonly itemsMax?: number } = {},
): ValueType<readonly T[]> {
  const itemsMin = options.itemsMin ?? 0;
  const itemsMax = options.itemsMax ?? 1000;
  const range = `a comma-separated list, each ${item.range}`;
  const check = (values: readonly T[]): void => {
    if (values.length < itemsMin || values.length > itemsMax) {
      throw new InvalidSettingValue(`must list ${itemsMin} to ${itemsMax} items`);
    }
    const texts = values.map((v) => item.format(v));
    if (new Set(texts).size !== texts.length) throw new InvalidSettingValue('must not list an item twice');
    for (const value of values) item.check(value);
  };
  return {
    kafkaType: 'list',
    range,
    placeholder: 'list',
    parse(raw) {
      const parts = raw.trim() === '' ? [] : raw.split(',').map((part) => part.trim());
      const values = parts.map((part) => {
        try {
          return item.parse(part);
        } catch (err) {
          if (err instanceof InvalidSettingValue) throw new InvalidSettingValue(`item '${part}' ${err.message}`);
          throw err;
        }
      });
      check(values);
      return values;
    },
    check,
    format: (values) => values.map((v) => item.format(v)).join(','),
  };
}

/** A host and port, `host:port` or `[v6]:port` (advertised listeners, bootstrap lists). */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export function hostPort(): ValueType<HostPort> {
  const check = (value: HostPort): void => {
    if (value.host.length === 0 || value.host.length > 253 || /[\s,]/.test(value.host)) {
      throw new InvalidSettingValue('must name a host');
    }
    if (!Number.isInteger(value.port) || value.port < 0 || value.port > 65535) {
      throw new InvalidSettingValue('must have a port in [0, 65535]');
    }
  };
  return {
    kafkaType: 'string',
    range: 'host:port',
    placeholder: 'host:port',
    parse(raw) {
      const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(raw.trim());
      if (!match) throw new InvalidSettingValue('must be host:port');
      const value = { host: match[1]!, port: Number(match[2]) };
      check(value);
      return value;
    },
    check,
    format: (value) => `${value.host}:${value.port}`,
  };
}

/** Brook's own structured values (cluster-nodes): a parse that throws InvalidSettingValue. */
export function structured<T>(options: {
  readonly kafkaType?: KafkaConfigType;
  readonly range: string;
  readonly placeholder: string;
  readonly parse: (raw: string) => T;
  readonly format: (value: T) => string;
}): ValueType<T> {
  return {
    kafkaType: options.kafkaType ?? 'string',
    range: options.range,
    placeholder: options.placeholder,
    parse: options.parse,
    check: (value) => void options.parse(options.format(value)),
    format: options.format,
  };
}

/**
 * A value that may be absent: Kafka's null, which only a default can be (a quorum that follows
 * the topic's replication factor). Given text always parses as the inner type.
 */
export function optional<T>(inner: ValueType<T>): ValueType<T | null> {
  return {
    kafkaType: inner.kafkaType,
    range: inner.range,
    placeholder: inner.placeholder,
    parse: (raw) => inner.parse(raw),
    check: (value) => (value === null ? undefined : inner.check(value)),
    format: (value) => (value === null ? '' : inner.format(value)),
  };
}
