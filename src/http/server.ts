// The node's HTTP endpoint: Prometheus /metrics, /healthz (the node is up; its role and state),
// /readyz (it serves Kafka clients), small JSON views for operators, and whatever the handler in
// front of them takes (the web console: its page at / and its API, which also take POSTs).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../common/index.js';

/** Answers a GET with a JSON-serializable value, or a promise of one. */
export type JsonRoute = (url: URL) => unknown;

/** Tried before the routes: answers the request and returns true, or leaves it and returns false. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface HttpOptions {
  readonly health: () => Record<string, unknown>;
  readonly ready: () => boolean;
  /** The node's metrics, served on /metrics. */
  readonly registry: Registry;
  readonly routes?: Readonly<Record<string, JsonRoute>>;
}

export class HttpServer {
  /** http, or https when the endpoint serves TLS. */
  readonly scheme: 'http' | 'https' = 'http';
  private readonly server: Server;
  private front: RequestHandler | null = null;

  constructor(
    private readonly options: HttpOptions,
    private readonly log: Logger,
  ) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        this.log.error({ err }, 'http handler failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  }

  /** Puts `handler` in front of the routes (set once the parts it needs exist). */
  setFront(handler: RequestHandler): void {
    this.front = handler;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (this.front && (await this.front(req, res, url))) return;
    if (req.method !== 'GET') return this.send(res, 405, { error: 'only GET is served' });
    switch (url.pathname) {
      case '/metrics': {
        const body = await this.options.registry.metrics();
        res.writeHead(200, { 'content-type': this.options.registry.contentType });
        res.end(body);
        return;
      }
      case '/healthz':
        return this.send(res, 200, { status: 'ok', ...this.options.health() });
      case '/readyz': {
        const ready = this.options.ready();
        return this.send(res, ready ? 200 : 503, { ready });
      }
      default: {
        const route = this.options.routes?.[url.pathname];
        if (!route) return this.send(res, 404, { error: `no route ${url.pathname}` });
        return this.send(res, 200, await route(url));
      }
    }
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
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

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
