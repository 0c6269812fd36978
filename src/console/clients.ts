// The console's Kafka clients: Brook's own client, whose requests to this node go through the
// node's dispatcher in-process, as the logged-in user (User:ANONYMOUS when no login is needed),
// so they pass the same checks, forwarding and metrics as any client's. A request another broker
// must answer (a partition's leader, a group's coordinator) goes to that broker over TCP, which
// the console can do only on a PLAINTEXT listener: it holds no credentials to log in elsewhere.
import {
  Admin,
  CLIENT_DEFAULTS,
  ConnectionError,
  DispatcherTransport,
  type HostPort,
  KafkaClient,
  SocketTransport,
  type Transport,
} from '../client/index.js';
import type { KafkaPrincipal } from '../common/index.js';
import type { ConsoleNode } from './node-view.js';

const CLIENT_ID = 'brook-console';
/** A page waits for its answer: shorter than a CLI's minute. */
const API_TIMEOUT_MS = 15_000;
const IN_PROCESS: HostPort = { host: 'in-process', port: 1 };

function sameAddress(a: HostPort, b: HostPort): boolean {
  return a.host === b.host && a.port === b.port;
}

/** An Admin acting for `principal`; close its client when the session ends. */
export function consoleAdmin(node: ConsoleNode, principal: KafkaPrincipal): { admin: Admin; client: KafkaClient } {
  const connect = (address: HostPort): Promise<Transport> => {
    const self = node.brokers().find((b) => b.nodeId === node.nodeId)?.address ?? null;
    if (sameAddress(address, IN_PROCESS) || (self !== null && sameAddress(address, self))) {
      const transport = new DispatcherTransport(node.dispatcher, '127.0.0.1:0', CLIENT_ID, {
        principal,
        listener: node.listener,
      });
      return Promise.resolve(transport);
    }
    if (node.listener.securityProtocol !== 'PLAINTEXT') {
      const where = `${address.host}:${address.port}`;
      return Promise.reject(
        new ConnectionError(`the console reaches other brokers (${where}) only on a PLAINTEXT listener`),
      );
    }
    return SocketTransport.connect({
      host: address.host,
      port: address.port,
      clientId: CLIENT_ID,
      connectTimeoutMs: CLIENT_DEFAULTS.connectTimeoutMs,
      requestTimeoutMs: CLIENT_DEFAULTS.requestTimeoutMs,
    });
  };
  const client = new KafkaClient({
    ...CLIENT_DEFAULTS,
    clientId: CLIENT_ID,
    apiTimeoutMs: API_TIMEOUT_MS,
    bootstrap: [IN_PROCESS],
    connect,
  });
  return { admin: new Admin(client), client };
}
