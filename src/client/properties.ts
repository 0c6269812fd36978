// Kafka's client settings from a Java properties file (--command-config, as Kafka's tools take
// it): `key=value`, `key: value` or `key value` lines, `#` and `!` comments, a trailing backslash
// continuing a line, and the usual escapes. The keys a tool understands become ClientOptions; the
// security ones (security.protocol, sasl.*, ssl.*) are read and checked here, so a file that asks
// for TLS or SASL gets a clear refusal rather than a plaintext connection.
import { ClientError } from './errors.js';

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
  if (protocol !== 'PLAINTEXT') {
    // Brook's TLS and SASL listeners are not in this build; the client's side follows them.
    throw new ClientError(`security.protocol ${protocol} is not supported by this brook build (PLAINTEXT only)`);
  }
  const result: ClientProperties = {
    securityProtocol: protocol,
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
