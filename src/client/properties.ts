// Kafka's client settings from a Java properties file (--command-config, as Kafka's tools take
// it): `key=value`, `key: value` or `key value` lines, `#` and `!` comments, a trailing backslash
// continuing a line, and the usual escapes. The keys a tool understands become ClientOptions; the
// security ones too: security.protocol (TLS for SSL and SASL_SSL, SASL for SASL_*),
// sasl.mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) with the user in sasl.jaas.config, and a
// PEM trust store. What this client cannot do (GSSAPI, a JKS store, client certificates) is a
// clear refusal rather than a connection without it.
import { readFileSync } from 'node:fs';
import { ClientError } from './errors.js';
import { SASL_MECHANISMS, type SaslCredentials, type SaslMechanism } from './sasl.js';
import type { TlsOptions } from './socket-transport.js';

/** Parses a Java properties text; the last value of a repeated key wins, as in java.util.Properties. */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (endsWithContinuation(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^\s+/, '');
    }
    const { key, value } = splitEntry(line);
    out.set(unescape(key), unescape(value));
  }
  return out;
}

function endsWithContinuation(line: string): boolean {
  let slashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) slashes++;
  return slashes % 2 === 1;
}

function splitEntry(line: string): { key: string; value: string } {
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '=' || c === ':' || c === ' ' || c === '\t') {
      let rest = line.slice(i + 1);
      if (c === ' ' || c === '\t') rest = rest.replace(/^\s*[=:]?/, '');
      return { key: line.slice(0, i), value: rest.replace(/^\s+/, '') };
    }
  }
  return { key: line, value: '' };
}

function unescape(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16));
    return c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'f' ? '\f' : c;
  });
}

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** The client settings a properties file may give, typed, with Kafka's names in comments. */
export interface ClientProperties {
  readonly bootstrap?: string; // bootstrap.servers
  readonly clientId?: string; // client.id
  readonly requestTimeoutMs?: number; // request.timeout.ms
  readonly connectTimeoutMs?: number; // socket.connection.setup.timeout.ms
  readonly retryBackoffMs?: number; // retry.backoff.ms
  readonly apiTimeoutMs?: number; // default.api.timeout.ms
  readonly securityProtocol: SecurityProtocol; // security.protocol
  readonly sasl?: SaslCredentials; // sasl.mechanism, sasl.jaas.config (or sasl.username, sasl.password)
  readonly tls?: TlsOptions; // ssl.truststore.location (PEM) or ssl.ca.location, ssl.endpoint.identification.algorithm
}

/** username="..." and password="..." of a JAAS line (PlainLoginModule or ScramLoginModule). */
function jaasOption(jaas: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(jaas);
  return match?.[1]?.replace(/\\(.)/g, '$1');
}

function saslOf(props: ReadonlyMap<string, string>): SaslCredentials {
  const mechanism = (props.get('sasl.mechanism') ?? 'GSSAPI').trim().toUpperCase();
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new ClientError(`sasl.mechanism must be one of ${SASL_MECHANISMS.join(', ')}, got '${mechanism}'`);
  }
  const jaas = props.get('sasl.jaas.config') ?? '';
  const username = props.get('sasl.username') ?? jaasOption(jaas, 'username');
  const password = props.get('sasl.password') ?? jaasOption(jaas, 'password');
  if (username === undefined || password === undefined) {
    throw new ClientError('SASL needs a username and password: sasl.jaas.config (username="..." password="...")');
  }
  return { mechanism: mechanism as SaslMechanism, username, password };
}

function tlsOf(props: ReadonlyMap<string, string>): TlsOptions {
  if (props.has('ssl.keystore.location') || props.has('ssl.certificate.location')) {
    throw new ClientError('client certificates (ssl.keystore.location) are not supported by this client');
  }
  const type = (props.get('ssl.truststore.type') ?? 'PEM').trim().toUpperCase();
  const location = props.get('ssl.truststore.location') ?? props.get('ssl.ca.location');
  if (location !== undefined && type !== 'PEM') {
    throw new ClientError(`ssl.truststore.type ${type} is not supported: give a PEM file (ssl.truststore.type=PEM)`);
  }
  let ca: string | undefined;
  if (location !== undefined) {
    try {
      ca = readFileSync(location, 'utf8');
    } catch (err) {
      throw new ClientError(`cannot read ${location}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  const check = (props.get('ssl.endpoint.identification.algorithm') ?? 'https').trim().toLowerCase();
  return { ...(ca !== undefined ? { ca } : {}), checkHostname: check !== '' };
}

function positiveInt(props: ReadonlyMap<string, string>, key: string): number | undefined {
  const raw = props.get(key);
  if (raw === undefined) return undefined;
  const value = Number(raw.trim());
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ClientError(`${key} must be a positive integer, got '${raw}'`);
  return value;
}

/** The typed settings of a properties map; a bad value or an unsupported security setup is an error. */
export function clientProperties(props: ReadonlyMap<string, string>): ClientProperties {
  const protocol = (props.get('security.protocol') ?? 'PLAINTEXT').trim().toUpperCase();
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new ClientError(`security.protocol must be one of ${SECURITY_PROTOCOLS.join(', ')}, got '${protocol}'`);
  }
  const securityProtocol = protocol as SecurityProtocol;
  const result: ClientProperties = {
    securityProtocol,
    ...(securityProtocol.startsWith('SASL_') ? { sasl: saslOf(props) } : {}),
    ...(securityProtocol.endsWith('SSL') ? { tls: tlsOf(props) } : {}),
    ...optional('bootstrap', props.get('bootstrap.servers')),
    ...optional('clientId', props.get('client.id')),
    ...optional('requestTimeoutMs', positiveInt(props, 'request.timeout.ms')),
    ...optional('connectTimeoutMs', positiveInt(props, 'socket.connection.setup.timeout.ms')),
    ...optional('retryBackoffMs', positiveInt(props, 'retry.backoff.ms')),
    ...optional('apiTimeoutMs', positiveInt(props, 'default.api.timeout.ms')),
  };
  return result;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
