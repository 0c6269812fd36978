// The line-protocol listener (off unless --line-port is set): a TCP port where each line is a
// command, `PRODUCE <topic> <key> <value>` or `CONSUME <topic> <partition> <offset>`, so `nc`
// can produce and consume (the reply format is in docs/line-protocol.md). Each connection talks
// to this node's dispatcher as an in-process Kafka client; the only file of the module that
// touches node:net. At most CONNECTIONS_MAX connections; more are refused at once.
import { createServer, type Server, type Socket } from 'node:net';
import { BrokerConnection, DispatcherTransport } from '../client/index.js';
import type { Logger } from '../common/index.js';
import type { ListenerIdentity, RequestDispatcher } from '../kafka/index.js';
import { LineSession } from './session.js';

const CONNECTIONS_MAX = 1_024;

export class LineServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly dispatcher: RequestDispatcher,
    private readonly nodeId: number,
    /** The identity its clients present: User:ANONYMOUS on a listener that authenticates nobody. */
    private readonly listener: ListenerIdentity,
    private readonly log: Logger,
  ) {
    // Half-open: `nc -q1` closes its side after sending; the answers still go back before we close ours.
    this.server = createServer({ allowHalfOpen: true }, (socket) => void this.accept(socket));
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  private async accept(socket: Socket): Promise<void> {
    const client = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (this.sockets.size >= CONNECTIONS_MAX) {
      this.log.warn({ client, max: CONNECTIONS_MAX }, 'refusing a line-protocol connection: too many open');
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pause();
    try {
      const transport = new DispatcherTransport(this.dispatcher, client, 'brook-line', { listener: this.listener });
      const connection = await BrokerConnection.open(transport);
      new LineSession(socket, this.nodeId, connection, this.log.child({ client }));
      socket.resume();
    } catch (err) {
      this.log.error({ err, client }, 'line-protocol connection failed to open');
      socket.destroy();
    }
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
