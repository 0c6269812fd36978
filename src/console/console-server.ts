// The web console on the node's HTTP port: its page at / (static files shipped in the package, no
// CDN, nothing fetched at run time) and the small JSON API the page polls and acts through, under
// /console/api/. When the Kafka listeners authenticate clients the API answers only a logged-in
// session (401 otherwise); the page itself holds no data and shows the login form. POSTs must be
// JSON, which a form on another site cannot send, and the cookie is SameSite=Strict.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientError, ConnectionError } from '../client/index.js';
import { errorName, type Logger } from '../common/index.js';
import { BadRequest, parseNewTopic, parseSeek, parseTopicName, seekGroup } from './actions.js';
import type { ConsoleNode } from './node-view.js';
import { type Session, SESSION_COOKIE, Sessions } from './sessions.js';
import { clusterView, groupsView, topicsView } from './views.js';

const ASSETS = new URL('./assets/', import.meta.url);
const STATIC: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
  '/favicon.ico': { file: 'favicon.svg', type: 'image/svg+xml' },
};
const API = '/console/api/';
const BODY_BYTES_MAX = 64 * 1024;
const SESSION_COOKIE_MAX_AGE_S = 8 * 60 * 60;
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

type ApiAnswer = { status: number; body: unknown; headers?: Record<string, string> };

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new HttpError(415, 'send the body as application/json');
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > BODY_BYTES_MAX) throw new HttpError(413, `body over ${BODY_BYTES_MAX} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}

function send(res: ServerResponse, answer: ApiAnswer): void {
  res.writeHead(answer.status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...answer.headers,
  });
  res.end(JSON.stringify(answer.body));
}

/** A failed call as the page shows it: Kafka's error name where the cluster answered one. */
function failure(err: unknown): ApiAnswer {
  if (err instanceof HttpError) return { status: err.status, body: { error: err.message } };
  if (err instanceof BadRequest) return { status: 400, body: { error: 'INVALID_REQUEST', message: err.message } };
  if (err instanceof ConnectionError)
    return { status: 503, body: { error: 'NETWORK_EXCEPTION', message: err.message } };
  if (err instanceof ClientError) {
    const name = err.code === null ? 'CLIENT_ERROR' : errorName(err.code);
    return { status: err.code === null || err.retriable ? 503 : 409, body: { error: name, message: err.message } };
  }
  throw err;
}

export class ConsoleServer {
  private readonly sessions: Sessions;

  constructor(
    private readonly node: ConsoleNode,
    private readonly log: Logger,
  ) {
    this.sessions = new Sessions(node);
  }

  /** The HTTP server's front handler: true when the request was the console's. */
  handle = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const asset = STATIC[url.pathname];
    if (asset && req.method === 'GET') {
      const body = await readFile(new URL(asset.file, ASSETS));
      res.writeHead(200, { 'content-type': asset.type, ...PAGE_HEADERS });
      res.end(body);
      return true;
    }
    if (!url.pathname.startsWith(API)) return false;
    let answer: ApiAnswer;
    try {
      answer = await this.api(req, url);
    } catch (err) {
      answer = failure(err);
    }
    send(res, answer);
    return true;
  };

  close(): void {
    this.sessions.close();
  }

  private async api(req: IncomingMessage, url: URL): Promise<ApiAnswer> {
    const path = url.pathname.slice(API.length);
    const method = req.method ?? 'GET';
    const route = `${method} ${path}`;
    if (route === 'GET session') {
      const session = this.sessions.find(req.headers.cookie);
      return { status: 200, body: { authRequired: this.sessions.authRequired, user: session?.user ?? null } };
    }
    if (route === 'POST login') return this.login(req);
    if (route === 'POST logout') {
      this.sessions.logout(req.headers.cookie);
      return { status: 200, body: { user: null }, headers: { 'set-cookie': this.cookie('', 0) } };
    }
    const session = this.sessions.find(req.headers.cookie);
    if (!session) return { status: 401, body: { error: 'SASL_AUTHENTICATION_FAILED', message: 'log in first' } };
    return this.authorized(route, req, url, session);
  }

  private async authorized(route: string, req: IncomingMessage, url: URL, session: Session): Promise<ApiAnswer> {
    const { admin, client } = session;
    switch (route) {
      case 'GET cluster':
        return { status: 200, body: await clusterView(this.node, client) };
      case 'GET topics': {
        // Internal topics (__consumer_offsets: 50 partitions) only when the page shows them.
        const internal = url.searchParams.get('internal') === 'true';
        return { status: 200, body: { topics: await topicsView(this.node, admin, client, internal) } };
      }
      case 'GET groups':
        return { status: 200, body: { groups: await groupsView(admin) } };
      case 'GET traffic':
        return { status: 200, body: { nodeId: this.node.nodeId, atMs: Date.now(), topics: this.node.traffic() } };
      case 'POST topics': {
        const topic = parseNewTopic(await readJson(req));
        await admin.createTopic(topic);
        this.log.info({ user: session.user, topic: topic.name }, 'console: topic created');
        return { status: 201, body: { created: topic.name } };
      }
      case 'POST topics/delete': {
        const name = parseTopicName(await readJson(req));
        await admin.deleteTopic(name);
        this.log.info({ user: session.user, topic: name }, 'console: topic deleted');
        return { status: 200, body: { deleted: name } };
      }
      case 'POST groups/seek': {
        const request = parseSeek(await readJson(req));
        const result = await seekGroup(admin, request);
        if (result.executed) {
          this.log.info({ user: session.user, group: request.group, to: request.to }, 'console: group offsets moved');
        }
        return { status: 200, body: result };
      }
      default:
        throw new HttpError(404, `no console API ${route}`);
    }
  }

  private async login(req: IncomingMessage): Promise<ApiAnswer> {
    if (!this.sessions.authRequired) return { status: 200, body: { user: null } };
    const body = await readJson(req);
    const input = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const user = typeof input.user === 'string' ? input.user : '';
    const password = typeof input.password === 'string' ? input.password : '';
    const token = await this.sessions.login(user, password);
    if (token === null) {
      this.log.warn({ user, client: req.socket.remoteAddress }, 'console: login failed');
      return { status: 401, body: { error: 'SASL_AUTHENTICATION_FAILED', message: 'wrong user name or password' } };
    }
    this.log.info({ user, client: req.socket.remoteAddress }, 'console: logged in');
    return { status: 200, body: { user }, headers: { 'set-cookie': this.cookie(token, SESSION_COOKIE_MAX_AGE_S) } };
  }

  private cookie(value: string, maxAgeS: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}`;
  }
}
