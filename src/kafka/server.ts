// One Kafka listener: a TCP server, or a TLS server for SSL and SASL_SSL, making one Connection
// per client. The only file of the listener that touches node:net and node:tls. On an SSL
// listener with client certificates (ssl.client.auth requested or required) the certificate must
// chain to the CA, and its CN is the client's principal; SASL_SSL listeners take the principal
// from SASL and ask for no certificate. A TLS handshake that fails (garbage, a plaintext client,
// a client that distrusts our CA) closes that connection with a log line and nothing else.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import {
  ANONYMOUS,
  type KafkaListener,
  type KafkaPrincipal,
  limits,
  type Logger,
  userPrincipal,
  usesTls,
} from '../common/index.js';
import { Connection, type ConnectionSecurity } from './connection.js';
import type { RequestDispatcher } from './dispatcher.js';
import type { ListenerIdentity } from './listener-identity.js';
import { type SaslListenerConfig, SaslSession } from './sasl/session.js';
import type { TlsCredentials } from './tls-credentials.js';

export type ClientAuth = 'none' | 'requested' | 'required';

export interface ListenerSetup {
  readonly listener: KafkaListener;
  /** The certificate of an SSL or SASL_SSL listener. */
  readonly tls: TlsCredentials | null;
  /** ssl.client.auth of an SSL listener; SASL_SSL listeners ask for no certificate. */
  readonly clientAuth: ClientAuth;
  /** A SASL listener's mechanisms and credentials. */
  readonly sasl: SaslListenerConfig | null;
}

/** OpenSSL's complaints when the first bytes are not a TLS ClientHello. */
const NOT_TLS = /wrong version number|http request|unknown protocol|packet length too long|unsupported protocol/i;

/** The CN of a certificate subject; the first if there are several. */
function commonName(subject: unknown): string | null {
  const cn = (subject as Record<string, unknown> | null | undefined)?.CN;
  const first = Array.isArray(cn) ? (cn[0] as unknown) : cn;
  return typeof first === 'string' && first.length > 0 ? first : null;
}

export class KafkaServer {
  private readonly server: Server;
  /** Every accepted socket, TLS handshakes under way included, so close() can end them all. */
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;
  readonly identity: ListenerIdentity;

  constructor(
    private readonly setup: ListenerSetup,
    private readonly dispatcher: RequestDispatcher,
    private readonly log: Logger,
  ) {
    const { listener, tls, clientAuth, sasl } = setup;
    this.identity = {
      name: listener.name,
      securityProtocol: listener.securityProtocol,
      authenticatesClients: sasl !== null || (tls !== null && clientAuth !== 'none'),
    };
    if (usesTls(listener.securityProtocol)) {
      if (tls === null) throw new Error(`listener ${listener.name} uses TLS but has no certificate`);
      const server = createTlsServer({
        ...tls.contextOptions,
        requestCert: clientAuth !== 'none',
        // Checked in accept(), which can say why it refuses a certificate.
        rejectUnauthorized: false,
        handshakeTimeout: limits.tlsHandshakeTimeoutMs,
      });
      server.on('secureConnection', (socket: TLSSocket) => this.acceptTls(socket));
      server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => this.refuseHandshake(err, socket));
      tls.onReload((options) => server.setSecureContext(options));
      this.server = server;
    } else {
      this.server = createServer((socket) => this.accept(socket, ANONYMOUS));
    }
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(): Promise<number> {
    const { host, port } = this.setup.listener;
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port, backlog: 1024 }, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private acceptTls(socket: TLSSocket): void {
    if (this.setup.clientAuth === 'none') return this.accept(socket, ANONYMOUS);
    const certificate = socket.getPeerCertificate();
    const presented = certificate !== null && Object.keys(certificate).length > 0;
    const cn = presented ? commonName(certificate.subject) : null;
    let refusal: string | null = null;
    if (!presented && this.setup.clientAuth === 'required')
      refusal = 'no client certificate (ssl.client.auth=required)';
    else if (presented && !socket.authorized)
      refusal = `client certificate not trusted: ${String(socket.authorizationError)}`;
    else if (presented && cn === null) refusal = 'client certificate has no CN';
    if (refusal !== null) {
      this.dispatcher.authenticationFailure('tls');
      this.log.warn(
        { client: `${socket.remoteAddress}:${socket.remotePort}`, listener: this.identity.name, reason: refusal },
        'closing client connection',
      );
      socket.destroy();
      return;
    }
    this.accept(socket, cn !== null ? userPrincipal(cn) : ANONYMOUS);
  }

  private refuseHandshake(err: NodeJS.ErrnoException, socket: TLSSocket): void {
    socket.destroy();
    const client = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    // A connection closed before it said anything (a TCP health check, a port probe) is no attack.
    if (err.code === 'ECONNRESET' && /socket hang up/.test(err.message)) {
      this.log.debug({ client, listener: this.identity.name }, 'connection closed before the TLS handshake');
      return;
    }
    this.dispatcher.authenticationFailure('tls');
    const hint = NOT_TLS.test(err.message) ? 'the client does not speak TLS (a PLAINTEXT client?)' : undefined;
    this.log.warn(
      { client, listener: this.identity.name, err: err.message, hint },
      'TLS handshake failed; closing client connection',
    );
  }

  private accept(socket: Socket, principal: KafkaPrincipal): void {
    const id = this.nextConnectionId++;
    const sasl = this.setup.sasl;
    const security: ConnectionSecurity = {
      listener: this.identity,
      principal,
      ...(sasl ? { gate: (address, authenticated) => new SaslSession(sasl, address, authenticated) } : {}),
    };
    const connection = new Connection(id, socket, this.dispatcher, this.log.child({ connection: id }), security);
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
  }

  /**
   * Closes every client connection but goes on accepting: clients reconnect and ask Metadata again,
   * elsewhere too (a leader cut off from its quorum sends its clients off this way).
   */
  closeClientConnections(): number {
    const count = this.sockets.size;
    for (const socket of this.sockets) socket.destroy();
    return count;
  }

  /** Stops accepting and closes every client connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
