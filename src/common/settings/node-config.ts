// Start-up settings: every broker row with a flag becomes a commander option with its BROOK_*
// variable; argv and the environment are parsed once into the node's typed config. A bad value
// stops start-up with one line that names the setting (ConfigError), never a stack trace.
import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { assert } from '../assert.js';
import { ConfigError } from '../errors.js';
import { usesSasl, usesTls } from '../principal.js';
import { humanNumber } from './human.js';
import { isWildcardHost, type ListenerAddress, resolveListeners } from './listeners.js';
import { SETTING_ROWS, type SettingKey, type SettingRow } from './registry.js';
import { envOf, isDerived } from './setting.js';
import type { BrokerSettings, NodeConfig } from './typed.js';
import { InvalidSettingValue } from './value-types.js';

function parserOf(row: SettingRow, name: string) {
  return (raw: string): unknown => {
    try {
      return row.type.parse(raw);
    } catch (err) {
      if (!(err instanceof InvalidSettingValue)) throw err;
      // A secret's text is never repeated, not even in an error (commander's message would quote it).
      if (row.sensitive === true) throw new ConfigError(`${name} ${err.message}`);
      throw new InvalidArgumentError(`${name} ${err.message}, got '${raw}'`);
    }
  };
}

/** The option of a row with a flag; its attribute is the row's key (--segment-bytes → segmentBytes). */
function optionOf(row: SettingRow & { readonly flag: `--${string}` }): Option {
  const placeholder = row.placeholder ?? (row.unit === 'ms' ? 'ms' : row.type.placeholder);
  const description = isDerived(row.default) ? `${row.doc} (default: ${row.default.derived})` : row.doc;
  const option = new Option(`${row.flag} <${placeholder}>`, description)
    .env(envOf(row.flag))
    .argParser(parserOf(row, row.flag.slice(2)));
  if (row.default === null) {
    option.default(null, 'unset');
  } else if (!isDerived(row.default)) {
    const formatted = row.type.format(row.default);
    const human = typeof row.default === 'number' ? humanNumber(row.default, row.unit) : formatted;
    option.default(row.default, human.startsWith(formatted) ? formatted : `${formatted} = ${human}`);
  }
  assert(option.attributeName() === row.key, `flag ${row.flag} must spell its row's key ${row.key}`);
  return option;
}

function buildCommand(): Command {
  const cmd = new Command('brook')
    .description('Brook: a Kafka-compatible, Raft-replicated message broker')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) })
    .allowExcessArguments(false);
  for (const row of SETTING_ROWS) if (row.flag !== undefined) cmd.addOption(optionOf({ ...row, flag: row.flag }));
  return cmd;
}

/**
 * Parses argv (without node and script) and the environment. Throws ConfigError with one line
 * naming the bad setting; returns null when --help was asked for (help already printed).
 */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): NodeConfig | null {
  const cmd = buildCommand();
  // commander reads process.env for Option.env(); give it the caller's environment. Copy both
  // first: `env` is often process.env itself.
  const wanted = Object.entries(env).filter(([key]) => key.startsWith('BROOK_'));
  const saved = { ...process.env };
  try {
    for (const key of Object.keys(process.env)) if (key.startsWith('BROOK_')) delete process.env[key];
    for (const [key, value] of wanted) process.env[key] = value;
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.help') return null;
    const message = (err as Error).message.replace(/^error: /, '');
    throw new ConfigError(message);
  } finally {
    for (const key of Object.keys(process.env)) if (key.startsWith('BROOK_')) delete process.env[key];
    for (const [key, value] of Object.entries(saved)) if (key.startsWith('BROOK_')) process.env[key] = value;
  }
  return resolve(cmd);
}

/** The rows' values: given, default, or derived from the others; then the checks across settings. */
function resolve(cmd: Command): NodeConfig {
  const given = cmd.opts<Record<string, unknown>>();
  const values: Record<string, unknown> = {};
  const explicitSettings = new Set<SettingKey>();
  for (const row of SETTING_ROWS) {
    if (row.broker === undefined) continue;
    if (row.flag === undefined) {
      assert(!isDerived(row.default), `${row.key}: a setting without a flag has a fixed default`);
      values[row.key] = row.default;
      continue;
    }
    const source = cmd.getOptionValueSource(row.key);
    if (source === 'cli' || source === 'env') explicitSettings.add(row.key);
    values[row.key] = given[row.key];
  }
  const raw = values as Partial<BrokerSettings> & Omit<BrokerSettings, DerivedKey>;
  const clusterSize = raw.clusterNodes.length;
  checkListenerFlags(explicitSettings);
  const advertisedHost = raw.advertisedHost ?? (isWildcardHost(raw.listenHost) ? hostname() : raw.listenHost);
  const advertisedPort = raw.advertisedPort ?? raw.kafkaPort;
  // Without --listeners, today's single PLAINTEXT listener from --listen-host and --kafka-port.
  const legacy: ListenerAddress = { name: 'PLAINTEXT', host: raw.listenHost, port: raw.kafkaPort };
  const listeners = raw.listeners ?? [legacy];
  const legacyAdvertised =
    raw.listeners === undefined ? [{ ...legacy, host: advertisedHost, port: advertisedPort }] : [];
  let kafkaListeners;
  try {
    kafkaListeners = resolveListeners({
      listeners,
      advertisedListeners: raw.advertisedListeners ?? legacyAdvertised,
      listenerSecurityProtocolMap: raw.listenerSecurityProtocolMap,
    });
  } catch (err) {
    if (err instanceof InvalidSettingValue) throw new ConfigError(`listeners: ${err.message}`);
    throw err;
  }
  const config: NodeConfig = {
    ...raw,
    advertisedHost,
    advertisedPort,
    listeners,
    advertisedListeners: kafkaListeners.map((l) => ({ name: l.name, host: l.advertisedHost, port: l.advertisedPort })),
    defaultReplicationFactor: raw.defaultReplicationFactor ?? Math.min(3, clusterSize),
    // Set them above the voters when brokers beyond the voters are to hold the internal topics.
    offsetsTopicReplicationFactor: raw.offsetsTopicReplicationFactor ?? Math.min(3, clusterSize),
    transactionStateLogReplicationFactor: raw.transactionStateLogReplicationFactor ?? Math.min(3, clusterSize),
    kafkaListeners,
    explicitSettings,
  };
  for (const row of SETTING_ROWS) {
    if (row.broker !== undefined) assert((config as Record<string, unknown>)[row.key] !== undefined, `${row.key} set`);
  }
  check(config);
  return config;
}

/** The settings whose default is derived from others (their rows say from what). */
type DerivedKey =
  | 'advertisedHost'
  | 'advertisedPort'
  | 'defaultReplicationFactor'
  | 'offsetsTopicReplicationFactor'
  | 'transactionStateLogReplicationFactor'
  | 'listeners'
  | 'advertisedListeners';

/**
 * --listeners replaces --kafka-port, --advertised-host and --advertised-port (which describe the one
 * default listener), and --advertised-listeners replaces the latter two: given together, which
 * one counts would be a guess.
 */
function checkListenerFlags(explicit: ReadonlySet<SettingKey>): void {
  const clash = (key: SettingKey, others: readonly SettingKey[], flag: string) => {
    const given = others.filter((other) => explicit.has(other));
    if (explicit.has(key) && given.length > 0) {
      const names = given.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
      throw new ConfigError(`${flag} replaces ${names}: give the address in ${flag}`);
    }
  };
  clash('listeners', ['kafkaPort', 'advertisedHost', 'advertisedPort'], '--listeners');
  clash('advertisedListeners', ['advertisedHost', 'advertisedPort'], '--advertised-listeners');
}

/** Relations between settings that no single row's range can say. */
function check(config: NodeConfig): void {
  if (config.raftElectionTimeoutMs <= 2 * config.raftHeartbeatMs) {
    throw new ConfigError('raft-election-timeout-ms must be more than twice raft-heartbeat-ms');
  }
  if (config.brokerSessionTimeoutMs <= config.raftHeartbeatMs) {
    throw new ConfigError('broker-session-timeout-ms must be more than raft-heartbeat-ms');
  }
  if (config.groupMinSessionTimeoutMs > config.groupMaxSessionTimeoutMs) {
    throw new ConfigError('group-min-session-timeout-ms must not exceed group-max-session-timeout-ms');
  }
  // No bound on default-replication-factor from --cluster-nodes: brokers beyond the voters host
  // replicas too, and placement refuses a factor above the live brokers when a topic is created.
  checkSecurity(config);
}

/** TLS listeners need a certificate, client certificates a CA, peer TLS all three of its files. */
function checkSecurity(config: NodeConfig): void {
  const tlsListeners = config.kafkaListeners.filter((l) => usesTls(l.securityProtocol)).map((l) => l.name);
  if (tlsListeners.length > 0 && (config.tlsCert === null || config.tlsKey === null)) {
    throw new ConfigError(`listener ${tlsListeners[0]} uses TLS: give --tls-cert and --tls-key`);
  }
  if (tlsListeners.length > 0 && config.tlsClientAuth !== 'none' && config.tlsCa === null) {
    throw new ConfigError(
      `tls-client-auth ${config.tlsClientAuth} needs --tls-ca, the CA client certificates chain to`,
    );
  }
  const plainAllowed = (protocol: string) => protocol === 'SASL_SSL' || config.saslPlainWithoutTls;
  for (const listener of config.kafkaListeners) {
    const mechanisms = config.saslMechanisms.filter((m) => m !== 'PLAIN' || plainAllowed(listener.securityProtocol));
    if (usesSasl(listener.securityProtocol) && mechanisms.length === 0) {
      throw new ConfigError(
        `listener ${listener.name} offers no SASL mechanism: PLAIN needs TLS or --sasl-plain-without-tls`,
      );
    }
  }
  const peerFiles = [config.peerTlsCert, config.peerTlsKey, config.peerTlsCa];
  if (peerFiles.some((f) => f !== null) && peerFiles.some((f) => f === null)) {
    throw new ConfigError('peer TLS needs all of --peer-tls-cert, --peer-tls-key and --peer-tls-ca');
  }
}

/**
 * Brokers heartbeat to the controller this often: a fifth of the session, at most 300 ms, so a
 * silent broker is probed soon even with a long session.
 */
export function brokerHeartbeatIntervalMs(config: Pick<NodeConfig, 'brokerSessionTimeoutMs'>): number {
  return Math.max(5, Math.min(300, Math.floor(config.brokerSessionTimeoutMs / 5)));
}
