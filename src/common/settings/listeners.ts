// The Kafka listeners as Kafka declares them: `listeners` and `advertised.listeners` are lists of
// NAME://host:port, and listener.security.protocol.map gives each name its security protocol
// (a name that is itself a protocol maps to itself). Two listeners of one protocol need names
// (INTERNAL://:9092,EXTERNAL://:19092 with INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL), which is how a
// container serves clients on its network and on the host at once.
import { hostname } from 'node:os';
import { SECURITY_PROTOCOLS, type SecurityProtocol } from '../principal.js';
import { InvalidSettingValue, structured, type ValueType } from './value-types.js';

/** One entry of `listeners` or `advertised.listeners`. An empty host binds every interface. */
export interface ListenerAddress {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** One entry of listener.security.protocol.map. */
export interface ListenerProtocol {
  readonly name: string;
  readonly securityProtocol: SecurityProtocol;
}

/** A listener as the node runs it: where it binds, what it speaks, and what clients are told. */
export interface KafkaListener {
  readonly name: string;
  readonly securityProtocol: SecurityProtocol;
  readonly host: string;
  readonly port: number;
  readonly advertisedHost: string;
  readonly advertisedPort: number;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function isProtocol(text: string): text is SecurityProtocol {
  return (SECURITY_PROTOCOLS as readonly string[]).includes(text);
}

export function parseListener(raw: string): ListenerAddress {
  const match = /^([^:/]+):\/\/(\[[^\]]*\]|[^:/[\]]*):(\d{1,5})$/.exec(raw.trim());
  if (!match) throw new InvalidSettingValue(`entry '${raw}' is not NAME://host:port`);
  const name = match[1]!.toUpperCase();
  if (!NAME.test(name)) throw new InvalidSettingValue(`listener name '${match[1]}' must be letters, digits and _`);
  const port = Number(match[3]);
  if (port < 1 || port > 65535) throw new InvalidSettingValue(`port ${port} must be in [1, 65535]`);
  const host = match[2]!.startsWith('[') ? match[2]!.slice(1, -1) : match[2]!;
  return { name, host, port };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function formatListener(listener: ListenerAddress): string {
  return `${listener.name}://${formatHost(listener.host)}:${listener.port}`;
}

function listOfListeners(raw: string): ListenerAddress[] {
  const listeners = raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parseListener);
  if (listeners.length === 0) throw new InvalidSettingValue('must name at least one listener');
  const names = new Set(listeners.map((l) => l.name));
  if (names.size !== listeners.length) throw new InvalidSettingValue('must not name a listener twice');
  return listeners;
}

/** `listeners` and `advertised.listeners`: NAME://host:port,... */
export function listenerList(): ValueType<readonly ListenerAddress[]> {
  return structured({
    kafkaType: 'list',
    range: 'NAME://host:port,... (NAME a protocol or a name in listener-security-protocol-map)',
    placeholder: 'list',
    parse: listOfListeners,
    format: (listeners) => listeners.map(formatListener).join(','),
  });
}

function parseProtocolMap(raw: string): ListenerProtocol[] {
  const entries: ListenerProtocol[] = [];
  for (const part of raw.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const [name, protocol, ...rest] = part.split(':');
    const upperName = (name ?? '').toUpperCase();
    const upperProtocol = (protocol ?? '').toUpperCase();
    if (rest.length > 0 || !NAME.test(upperName)) throw new InvalidSettingValue(`entry '${part}' is not NAME:PROTOCOL`);
    if (!isProtocol(upperProtocol)) {
      throw new InvalidSettingValue(`protocol '${protocol}' is not one of ${SECURITY_PROTOCOLS.join(', ')}`);
    }
    if (entries.some((e) => e.name === upperName)) throw new InvalidSettingValue(`maps '${upperName}' twice`);
    entries.push({ name: upperName, securityProtocol: upperProtocol });
  }
  return entries;
}

/** listener.security.protocol.map: NAME:PROTOCOL,... */
export function protocolMap(): ValueType<readonly ListenerProtocol[]> {
  return structured({
    kafkaType: 'list',
    range: 'NAME:PROTOCOL,... (PROTOCOL one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)',
    placeholder: 'list',
    parse: parseProtocolMap,
    format: (entries) => entries.map((e) => `${e.name}:${e.securityProtocol}`).join(','),
  });
}

/** Kafka's default map: every protocol's name maps to itself. */
export const DEFAULT_PROTOCOL_MAP: readonly ListenerProtocol[] = SECURITY_PROTOCOLS.map((p) => ({
  name: p,
  securityProtocol: p,
}));

export function isWildcardHost(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::';
}

/** The settings a node's Kafka listeners are resolved from. */
export interface ListenerSettings {
  readonly listeners: readonly ListenerAddress[];
  readonly advertisedListeners: readonly ListenerAddress[];
  readonly listenerSecurityProtocolMap: readonly ListenerProtocol[];
}

/**
 * Each listener with its protocol and advertised address. The map's entries are looked up by
 * name; a name that is a protocol and is not mapped speaks that protocol. A listener absent from
 * advertised.listeners advertises its own address, with this machine's name for a wildcard host.
 * Throws InvalidSettingValue naming what does not fit.
 */
export function resolveListeners(settings: ListenerSettings): KafkaListener[] {
  const protocolOf = (name: string): SecurityProtocol => {
    const mapped = settings.listenerSecurityProtocolMap.find((e) => e.name === name);
    if (mapped) return mapped.securityProtocol;
    if (isProtocol(name)) return name;
    throw new InvalidSettingValue(`listener ${name} has no security protocol in listener-security-protocol-map`);
  };
  for (const advertised of settings.advertisedListeners) {
    if (!settings.listeners.some((l) => l.name === advertised.name)) {
      throw new InvalidSettingValue(`advertised listener ${advertised.name} is not one of the listeners`);
    }
    if (isWildcardHost(advertised.host)) {
      throw new InvalidSettingValue(`advertised listener ${advertised.name} needs a host clients can reach`);
    }
  }
  const ports = new Set<number>();
  return settings.listeners.map((listener) => {
    if (ports.has(listener.port)) throw new InvalidSettingValue(`two listeners on port ${listener.port}`);
    ports.add(listener.port);
    const advertised = settings.advertisedListeners.find((a) => a.name === listener.name);
    return {
      name: listener.name,
      securityProtocol: protocolOf(listener.name),
      host: listener.host === '' ? '0.0.0.0' : listener.host,
      port: listener.port,
      advertisedHost: advertised?.host ?? (isWildcardHost(listener.host) ? hostname() : listener.host),
      advertisedPort: advertised?.port ?? listener.port,
    };
  });
}
