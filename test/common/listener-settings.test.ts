// Kafka's listener settings: listeners and advertised.listeners as NAME://host:port lists, names
// mapped to protocols by listener.security.protocol.map, and the default single PLAINTEXT
// listener of --listen-host and --kafka-port that existing users rely on.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/common/errors.js';
import { parseConfig, type NodeConfig } from '../../src/common/settings/index.js';

function parse(argv: string[], env: Record<string, string> = {}): NodeConfig {
  const config = parseConfig(argv, env);
  if (config === null) throw new Error('--help was not asked for');
  return config;
}

const TLS = ['--tls-cert', '/c.pem', '--tls-key', '/k.pem'];

describe('listeners', () => {
  it('without --listeners, is the one PLAINTEXT listener of --listen-host, --kafka-port and the advertised flags', () => {
    const config = parse(['--listen-host', '10.0.0.5', '--kafka-port', '9300', '--advertised-host', 'kafka.example']);
    expect(config.kafkaListeners).toEqual([
      {
        name: 'PLAINTEXT',
        securityProtocol: 'PLAINTEXT',
        host: '10.0.0.5',
        port: 9300,
        advertisedHost: 'kafka.example',
        advertisedPort: 9300,
      },
    ]);
  });

  it('parses PROTOCOL://host:port lists, an empty host binding every interface', () => {
    const config = parse(['--listeners', 'SASL_SSL://:9092,plaintext://127.0.0.1:9095', ...TLS]);
    expect(config.kafkaListeners.map((l) => [l.name, l.securityProtocol, l.host, l.port, l.advertisedHost])).toEqual([
      ['SASL_SSL', 'SASL_SSL', '0.0.0.0', 9092, hostname()],
      ['PLAINTEXT', 'PLAINTEXT', '127.0.0.1', 9095, '127.0.0.1'],
    ]);
  });

  it('gives named listeners their protocol from the map, and advertises each by name', () => {
    const config = parse([], {
      BROOK_LISTENERS: 'INTERNAL://0.0.0.0:9092,EXTERNAL://0.0.0.0:19092',
      BROOK_LISTENER_SECURITY_PROTOCOL_MAP: 'INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL',
      BROOK_ADVERTISED_LISTENERS: 'INTERNAL://brook-1:9092,EXTERNAL://localhost:19092',
      BROOK_TLS_CERT: '/c.pem',
      BROOK_TLS_KEY: '/k.pem',
    });
    expect(config.kafkaListeners.map((l) => [l.name, l.securityProtocol, l.advertisedHost, l.advertisedPort])).toEqual([
      ['INTERNAL', 'PLAINTEXT', 'brook-1', 9092],
      ['EXTERNAL', 'SASL_SSL', 'localhost', 19092],
    ]);
    expect(config.advertisedListeners.map((l) => `${l.name}://${l.host}:${l.port}`)).toEqual([
      'INTERNAL://brook-1:9092',
      'EXTERNAL://localhost:19092',
    ]);
  });

  it('takes IPv6 hosts in brackets', () => {
    const config = parse(['--listeners', 'PLAINTEXT://[::1]:9092']);
    expect(config.kafkaListeners[0]).toMatchObject({ host: '::1', advertisedHost: '::1' });
  });

  it('refuses what does not fit, naming it', () => {
    const refused: [string[], RegExp][] = [
      [['--listeners', 'INTERNAL://:9092'], /INTERNAL has no security protocol/],
      [['--listeners', 'PLAINTEXT://:9092,PLAINTEXT://:9093'], /twice/],
      [['--listeners', 'PLAINTEXT://:9092,SSL://:9092', ...TLS], /two listeners on port 9092/],
      [['--listeners', 'PLAINTEXT:9092'], /NAME:\/\/host:port/],
      [['--listeners', 'PLAINTEXT://:0'], /port 0/],
      [['--listener-security-protocol-map', 'A:TLS'], /not one of PLAINTEXT/],
      [['--listeners', 'PLAINTEXT://:9092', '--advertised-listeners', 'SSL://x:1'], /SSL is not one of the listeners/],
      [['--listeners', 'PLAINTEXT://:9092', '--advertised-listeners', 'PLAINTEXT://0.0.0.0:9092'], /needs a host/],
      [['--listeners', 'PLAINTEXT://:9092', '--kafka-port', '9300'], /--listeners replaces --kafka-port/],
      [['--advertised-listeners', 'PLAINTEXT://a:1', '--advertised-host', 'b'], /replaces --advertised-host/],
      [['--listeners', 'SSL://:9093'], /SSL uses TLS: give --tls-cert and --tls-key/],
      [['--listeners', 'SSL://:9093', ...TLS, '--tls-client-auth', 'required'], /needs --tls-ca/],
      [['--peer-tls-cert', '/c.pem'], /needs all of --peer-tls-cert, --peer-tls-key and --peer-tls-ca/],
    ];
    for (const [argv, message] of refused) {
      expect(() => parse(argv), argv.join(' ')).toThrow(ConfigError);
      expect(() => parse(argv), argv.join(' ')).toThrow(message);
    }
  });
});
