// The security settings: secrets (bootstrap users' passwords, the TLS key's passphrase) are
// sensitive, so DescribeConfigs reports them without a value and no error message repeats them;
// the SASL mechanisms and client-auth modes are Kafka's.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/common/errors.js';
import { describeBrokerConfigs, parseConfig, type NodeConfig } from '../../src/common/settings/index.js';

function parse(argv: string[], env: Record<string, string> = {}): NodeConfig {
  const config = parseConfig(argv, env);
  if (config === null) throw new Error('--help was not asked for');
  return config;
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('did not throw');
}

describe('security settings', () => {
  it('parses bootstrap users, a password may hold a colon', () => {
    const config = parse([], { BROOK_BOOTSTRAP_USERS: 'admin:s3cr:et,app-1:other' });
    expect(config.bootstrapUsers).toEqual([
      { name: 'admin', password: 's3cr:et' },
      { name: 'app-1', password: 'other' },
    ]);
  });

  it('DescribeConfigs reports the secrets sensitive and without a value', () => {
    const config = parse(['--tls-key-password', 'keypass'], { BROOK_BOOTSTRAP_USERS: 'admin:hunter2' });
    const described = new Map(describeBrokerConfigs(config).map((c) => [c.name, c]));
    for (const name of ['sasl.bootstrap.users', 'ssl.key.password']) {
      const entry = described.get(name)!;
      expect(entry, name).toMatchObject({ value: null, sensitive: true, kafkaType: 'password' });
      expect(entry.source, name).toBe('static-broker');
      for (const synonym of entry.synonyms) expect(synonym.value, name).toBeNull();
    }
    expect(JSON.stringify([...described.values()])).not.toMatch(/hunter2|keypass/);
    // Not sensitive: shown.
    expect(described.get('sasl.enabled.mechanisms')).toMatchObject({ value: 'SCRAM-SHA-256,SCRAM-SHA-512' });
    expect(described.get('ssl.client.auth')).toMatchObject({ value: 'none', sensitive: false });
  });

  it('never repeats a password in an error', () => {
    const bad = [
      { BROOK_BOOTSTRAP_USERS: 'admin:hunter2,admin:hunter2' },
      { BROOK_BOOTSTRAP_USERS: 'bad name:hunter2' },
      { BROOK_BOOTSTRAP_USERS: 'hunter2' },
    ];
    for (const env of bad) {
      const err = errorOf(() => parse([], env));
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(/bootstrap-users/);
      expect(err.message).not.toMatch(/hunter2/);
    }
    expect(errorOf(() => parse([], { BROOK_BOOTSTRAP_USERS: 'admin:' })).message).toMatch(
      /user admin needs a password/,
    );
  });

  it("takes Kafka's mechanisms and client-auth modes only", () => {
    expect(parse(['--sasl-mechanisms', 'PLAIN,SCRAM-SHA-512']).saslMechanisms).toEqual(['PLAIN', 'SCRAM-SHA-512']);
    expect(() => parse(['--sasl-mechanisms', 'GSSAPI'])).toThrow(/sasl-mechanisms/);
    expect(() => parse(['--sasl-mechanisms', ''])).toThrow(/sasl-mechanisms/);
    expect(() => parse(['--tls-client-auth', 'optional'])).toThrow(/one of none, requested, required/);
  });
});
