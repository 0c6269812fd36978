// The Kafka TCP listener. The only file of the listener that touches node:net.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../common/index.js';
import { Connection } from './connection.js';
import type { RequestDispatcher } from './dispatcher.js';

export class KafkaServer {
  private readonly server: Server;
  private readonly connections = new Set<Socket>();
  private nextConnectionId = 1;

  constructor(
    private readonly dispatcher: RequestDispatcher,
    private readonly log: Logger,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(host: string, port: number): Promise<number> {
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

  private accept(socket: Socket): void {
    const id = this.nextConnectionId++;
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    new Connection(id, socket, this.dispatcher, this.log.child({ connection: id }));
  }

  /** Stops accepting and closes every client connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.connections) socket.destroy();
    await closed;
  }
}
