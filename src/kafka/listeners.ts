// The node's Kafka listeners, built from its settings: one server per `listeners` entry, TLS for
// SSL and SASL_SSL (one certificate, reloaded when its files change), client certificates on SSL
// listeners by ssl.client.auth, and SASL on SASL listeners with the mechanisms allowed there
// (PLAIN only over TLS unless sasl.plain.without.tls.enable). Credentials are read from the
// replicated metadata at each login, so a user created on any node can log in on every node.
import { type KafkaListener, type Logger, type NodeConfig, usesSasl, usesTls } from '../common/index.js';
import type { ScramCredential, ScramMechanism } from '../metadata/index.js';
import type { RequestDispatcher } from './dispatcher.js';
import type { ListenerIdentity } from './listener-identity.js';
import { FailureDelays } from './sasl/failure-delays.js';
import { KafkaServer } from './server.js';
import { TlsCredentials } from './tls-credentials.js';

export type CredentialSource = (user: string, mechanism: ScramMechanism) => ScramCredential | undefined;

/** The SASL mechanisms a listener offers: PLAIN sends the password, so it needs TLS unless allowed. */
export function offeredMechanisms(config: NodeConfig, listener: KafkaListener): string[] {
  const plainAllowed = usesTls(listener.securityProtocol) || config.saslPlainWithoutTls;
  return config.saslMechanisms.filter((m) => m !== 'PLAIN' || plainAllowed);
}

export class KafkaListeners {
  private constructor(
    private readonly servers: readonly KafkaServer[],
    private readonly tls: TlsCredentials | null,
  ) {}

  static async create(
    config: NodeConfig,
    dispatcher: RequestDispatcher,
    credentials: CredentialSource,
    log: Logger,
  ): Promise<KafkaListeners> {
    const needsTls = config.kafkaListeners.some((l) => usesTls(l.securityProtocol));
    const tls = needsTls
      ? await TlsCredentials.load(
          {
            certFile: config.tlsCert!,
            keyFile: config.tlsKey!,
            keyPassword: config.tlsKeyPassword,
            caFile: config.tlsCa,
          },
          log,
        )
      : null;
    const failureDelays = new FailureDelays(config.connectionFailedAuthenticationDelayMs);
    const servers = config.kafkaListeners.map((listener) => {
      const secured = usesTls(listener.securityProtocol);
      const mechanisms = offeredMechanisms(config, listener);
      if (
        usesSasl(listener.securityProtocol) &&
        config.saslMechanisms.includes('PLAIN') &&
        !mechanisms.includes('PLAIN')
      ) {
        log.warn(
          { listener: listener.name },
          'PLAIN is not offered on a listener without TLS (--sasl-plain-without-tls)',
        );
      }
      return new KafkaServer(
        {
          listener,
          tls: secured ? tls : null,
          clientAuth: listener.securityProtocol === 'SSL' ? config.tlsClientAuth : 'none',
          sasl: usesSasl(listener.securityProtocol)
            ? {
                listenerName: listener.name,
                mechanisms,
                credentials,
                sessionLifetimeMs: config.connectionsMaxReauthMs,
                failureDelays,
                log: log.child({ listener: listener.name }),
              }
            : null,
        },
        dispatcher,
        log,
      );
    });
    return new KafkaListeners(servers, tls);
  }

  /** Binds every listener; resolves with the bound ports, by listener name, in the settings' order. */
  async listen(): Promise<Map<string, number>> {
    const ports = new Map<string, number>();
    for (const server of this.servers) ports.set(server.identity.name, await server.listen());
    return ports;
  }

  /** Each listener's name and security, in the settings' order. */
  get identities(): ListenerIdentity[] {
    return this.servers.map((server) => server.identity);
  }

  get connectionCount(): number {
    return this.servers.reduce((sum, server) => sum + server.connectionCount, 0);
  }

  /** Closes every client connection on every listener (they stay open for new ones); how many were closed. */
  closeClientConnections(): number {
    return this.servers.reduce((sum, server) => sum + server.closeClientConnections(), 0);
  }

  async close(): Promise<void> {
    this.tls?.close();
    await Promise.all(this.servers.map((server) => server.close()));
  }
}
