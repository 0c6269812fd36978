// The advertised Kafka address: what a node tells clients to connect to. Containers rely on it
// (the listener binds 0.0.0.0 inside, clients use a published port outside), so its defaults
// and overrides are pinned here.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseConfig, type NodeConfig } from '../../src/common/settings/index.js';
import { ConfigError } from '../../src/common/errors.js';

function parse(argv: string[], env: Record<string, string> = {}): NodeConfig {
  const config = parseConfig(argv, env);
  if (config === null) throw new Error('--help was not asked for');
  return config;
}

describe('advertised address', () => {
  it('defaults to the listen host and the Kafka port', () => {
    const config = parse(['--listen-host', '10.1.2.3', '--kafka-port', '9300']);
    expect([config.advertisedHost, config.advertisedPort]).toEqual(['10.1.2.3', 9300]);
  });

  it('advertises the host name when listening on every interface, which no client can dial', () => {
    expect(parse(['--listen-host', '0.0.0.0']).advertisedHost).toBe(hostname());
    expect(parse(['--listen-host', '::']).advertisedHost).toBe(hostname());
  });

  it('takes --advertised-host and --advertised-port over the listener', () => {
    const config = parse([
      '--listen-host',
      '0.0.0.0',
      '--kafka-port',
      '9092',
      '--advertised-host',
      '127.0.0.1',
      '--advertised-port',
      '19092',
    ]);
    expect([config.listenHost, config.kafkaPort]).toEqual(['0.0.0.0', 9092]);
    expect([config.advertisedHost, config.advertisedPort]).toEqual(['127.0.0.1', 19092]);
  });

  it('reads BROOK_ADVERTISED_HOST and BROOK_ADVERTISED_PORT (the container image sets them)', () => {
    const config = parse([], {
      BROOK_LISTEN_HOST: '0.0.0.0',
      BROOK_ADVERTISED_HOST: 'brook-2',
      BROOK_ADVERTISED_PORT: '29092',
    });
    expect([config.advertisedHost, config.advertisedPort]).toEqual(['brook-2', 29092]);
  });

  it('refuses an advertised port out of range, naming the setting', () => {
    expect(() => parse(['--advertised-port', '65536'])).toThrow(ConfigError);
    expect(() => parse([], { BROOK_ADVERTISED_PORT: 'x' })).toThrow(/advertised-port/);
  });
});
