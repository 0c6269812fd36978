// The value types a registry row can have, including those the next settings need (the log
// cleaner's ratio, listeners' host:port lists, SASL passwords, enumerations): each parses what
// fits, refuses the rest with what would fit, and formats back to text that parses the same.
import { describe, expect, it } from 'vitest';
import {
  boolean,
  double,
  hostPort,
  int,
  InvalidSettingValue,
  listOf,
  long,
  oneOf,
  password,
  strictBoolean,
  text,
  type ValueType,
} from '../../src/common/settings/value-types.js';

function refuses<T>(type: ValueType<T>, raw: string): string {
  try {
    type.parse(raw);
  } catch (err) {
    if (err instanceof InvalidSettingValue) return err.message;
    throw err;
  }
  throw new Error(`'${raw}' was accepted`);
}

function roundTrips<T>(type: ValueType<T>, raw: string): void {
  const value = type.parse(raw);
  expect(type.parse(type.format(value))).toEqual(value);
}

describe('setting value types', () => {
  it('int: 32 bits within its range', () => {
    const segment = int(1024);
    expect(segment.parse('2147483647')).toBe(2 ** 31 - 1);
    expect(refuses(segment, '2147483648')).toBe('must be an integer in [1024, 2147483647]');
    expect(refuses(segment, '1e6')).toMatch(/integer/);
    expect(refuses(segment, '12.5')).toMatch(/integer/);
    expect(() => int(0, 2 ** 31)).toThrow();
  });

  it("long: Kafka's Long.MAX_VALUE saturates to 'never' and formats back", () => {
    const ms = long(0);
    expect(ms.parse('9223372036854775807')).toBe(Number.MAX_SAFE_INTEGER);
    expect(ms.format(Number.MAX_SAFE_INTEGER)).toBe('9223372036854775807');
    expect(refuses(ms, '9223372036854775808')).toMatch(/integer >= 0/);
    expect(refuses(ms, '-1')).toMatch(/>= 0/);
    expect(refuses(long(0, 1000), '1001')).toBe('must be an integer in [0, 1000]');
  });

  it('double: a ratio in range (min.cleanable.dirty.ratio)', () => {
    const ratio = double(0, 1);
    expect(ratio.parse('0.5')).toBe(0.5);
    expect(ratio.parse('.25')).toBe(0.25);
    expect(refuses(ratio, '1.5')).toBe('must be in [0, 1]');
    expect(refuses(ratio, 'NaN')).toMatch(/number/);
    roundTrips(ratio, '0.125');
  });

  it('booleans: start-up flags take the shell habits, topic configs only true and false', () => {
    expect(boolean().parse('yes')).toBe(true);
    expect(boolean().parse('OFF')).toBe(false);
    expect(refuses(strictBoolean(), 'yes')).toBe('must be true or false');
    expect(strictBoolean(false).parse('false')).toBe(false);
    expect(refuses(strictBoolean(false), 'true')).toBe('must be false');
  });

  it('enumerations and lists of them (cleanup.policy, sasl mechanisms)', () => {
    const mechanisms = listOf(oneOf(['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN']), { itemsMin: 1 });
    expect(mechanisms.parse('SCRAM-SHA-256, PLAIN')).toEqual(['SCRAM-SHA-256', 'PLAIN']);
    expect(mechanisms.format(['SCRAM-SHA-256', 'PLAIN'])).toBe('SCRAM-SHA-256,PLAIN');
    expect(refuses(mechanisms, 'GSSAPI')).toBe("item 'GSSAPI' must be one of SCRAM-SHA-256, SCRAM-SHA-512, PLAIN");
    expect(refuses(mechanisms, '')).toMatch(/1 to/);
    expect(refuses(mechanisms, 'PLAIN,PLAIN')).toMatch(/twice/);
  });

  it('host:port lists (advertised listeners, bootstrap servers)', () => {
    const list = listOf(hostPort());
    expect(list.parse('brook-1:19092,[::1]:9092')).toEqual([
      { host: 'brook-1', port: 19092 },
      { host: '[::1]', port: 9092 },
    ]);
    expect(refuses(list, 'brook-1')).toMatch(/host:port/);
    expect(refuses(list, 'brook-1:70000')).toMatch(/\[0, 65535\]/);
    roundTrips(list, 'a:1,b:2');
  });

  it("passwords are Kafka's PASSWORD type, strings bounded", () => {
    expect(password().kafkaType).toBe('password');
    expect(password().parse('s3cret')).toBe('s3cret');
    expect(refuses(text(1, 64), '')).toBe('must be 1 to 64 characters');
  });
});
