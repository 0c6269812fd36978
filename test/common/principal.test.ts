// Kafka's principal text form round-trips, and only User principals with a name parse.
import { describe, expect, it } from 'vitest';
import { ANONYMOUS, formatPrincipal, parsePrincipal, usesSasl, usesTls } from '../../src/common/principal.js';

describe('KafkaPrincipal', () => {
  it('formats and parses User:<name>', () => {
    expect(formatPrincipal(ANONYMOUS)).toBe('User:ANONYMOUS');
    expect(parsePrincipal('User:alice')).toEqual({ type: 'User', name: 'alice' });
    expect(parsePrincipal('User:CN=a:b')).toEqual({ type: 'User', name: 'CN=a:b' });
    expect(parsePrincipal('Group:x')).toBeNull();
    expect(parsePrincipal('User:')).toBeNull();
    expect(parsePrincipal('alice')).toBeNull();
  });

  it('knows which protocols run TLS and SASL', () => {
    expect([usesTls('SSL'), usesTls('SASL_SSL'), usesTls('PLAINTEXT'), usesTls('SASL_PLAINTEXT')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect([usesSasl('SASL_SSL'), usesSasl('SASL_PLAINTEXT'), usesSasl('SSL')]).toEqual([true, true, false]);
  });
});
