// The options every command that talks to a cluster takes, as Kafka's tools name them:
// --bootstrap-server (else BROOK_BOOTSTRAP_SERVER, else 127.0.0.1:9092), --command-config FILE
// of Java-style client properties (bootstrap.servers, client.id, timeouts, security.*), and
// --output. The client is built from them once per command and closed when it ends.
import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import {
  CLIENT_DEFAULTS,
  ClientError,
  type ClientOptions,
  clientProperties,
  KafkaClient,
  parseBootstrap,
  parseProperties,
} from '../client/index.js';
import type { OutputFormat } from './output.js';

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';
/**
 * How long a command retries (an unreachable broker, a leader moving) before it gives up, unless
 * default.api.timeout.ms says otherwise: shorter than a long-lived client's 60 s, since a person
 * is waiting and a mistyped address should not cost a minute.
 */
export const CLI_API_TIMEOUT_MS = 15_000;

export interface ConnectionFlags {
  readonly bootstrapServer?: string;
  readonly commandConfig?: string;
  readonly output: OutputFormat;
}

export function withConnection(command: Command): Command {
  return command
    .addOption(
      new Option('--bootstrap-server <host:port,...>', `brokers to bootstrap from (default: ${DEFAULT_BOOTSTRAP})`).env(
        'BROOK_BOOTSTRAP_SERVER',
      ),
    )
    .option('--command-config <file>', 'client properties (client.id, request.timeout.ms, security.protocol, ...)')
    .addOption(new Option('--output <format>', 'table or json').choices(['table', 'json']).default('table'));
}

export function clientOptions(flags: ConnectionFlags): ClientOptions {
  let props = new Map<string, string>();
  if (flags.commandConfig !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.commandConfig, 'utf8');
    } catch (err) {
      throw new ClientError(
        `cannot read --command-config ${flags.commandConfig}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    props = parseProperties(text);
  }
  const settings = clientProperties(props);
  return {
    ...CLIENT_DEFAULTS,
    ...(settings.clientId !== undefined ? { clientId: settings.clientId } : {}),
    ...(settings.requestTimeoutMs !== undefined ? { requestTimeoutMs: settings.requestTimeoutMs } : {}),
    ...(settings.connectTimeoutMs !== undefined ? { connectTimeoutMs: settings.connectTimeoutMs } : {}),
    ...(settings.retryBackoffMs !== undefined ? { retryBackoffMs: settings.retryBackoffMs } : {}),
    apiTimeoutMs: settings.apiTimeoutMs ?? CLI_API_TIMEOUT_MS,
    ...(settings.sasl !== undefined ? { sasl: settings.sasl } : {}),
    ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    bootstrap: parseBootstrap(flags.bootstrapServer ?? settings.bootstrap ?? DEFAULT_BOOTSTRAP),
  };
}

/** Runs `body` with a client for the command's flags, and closes it after. */
export async function withClient<T>(flags: ConnectionFlags, body: (client: KafkaClient) => Promise<T>): Promise<T> {
  const client = new KafkaClient(clientOptions(flags));
  try {
    return await body(client);
  } finally {
    client.close();
  }
}
