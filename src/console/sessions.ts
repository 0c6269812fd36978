// Logins to the console when the Kafka listeners authenticate clients: a user name and password
// checked against the metadata's SCRAM users (the password is hashed with the stored salt and
// iterations and compared with the stored key, as a PLAIN login is), then a session in a cookie:
// 32 random bytes, HttpOnly and SameSite=Strict, kept in this process, ended by logout, by 30
// minutes unused or by 8 hours in all. Each session has its own Kafka client acting as the user.
// A failed login is answered after a delay, so passwords cannot be tried quickly.
import { randomBytes } from 'node:crypto';
import type { Admin, KafkaClient } from '../client/index.js';
import { ANONYMOUS, type KafkaPrincipal, userPrincipal } from '../common/index.js';
import { passwordMatches } from '../kafka/index.js';
import { consoleAdmin } from './clients.js';
import type { ConsoleNode } from './node-view.js';

export const SESSION_COOKIE = 'brook_console_session';
const IDLE_MS = 30 * 60_000;
const LIFETIME_MS = 8 * 60 * 60_000;
const FAILED_LOGIN_DELAY_MS = 1_000;
const SESSIONS_MAX = 1_000;
const MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

export interface Session {
  readonly user: string | null;
  readonly admin: Admin;
  readonly client: KafkaClient;
}

interface Stored extends Session {
  readonly createdMs: number;
  usedMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The value of cookie `name` in a Cookie header, if there. */
export function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export class Sessions {
  private readonly sessions = new Map<string, Stored>();
  /** Without authentication every request shares one anonymous client. */
  private anonymous: Stored | null = null;

  constructor(private readonly node: ConsoleNode) {}

  get authRequired(): boolean {
    return this.node.authRequired;
  }

  /** The session a request's cookie names; the shared anonymous one when no login is needed. */
  find(cookieHeader: string | undefined): Session | null {
    if (!this.node.authRequired) return (this.anonymous ??= this.store(null, ANONYMOUS));
    const token = cookieValue(cookieHeader, SESSION_COOKIE);
    if (token === null) return null;
    const session = this.sessions.get(token);
    if (!session) return null;
    const now = Date.now();
    if (now - session.usedMs > IDLE_MS || now - session.createdMs > LIFETIME_MS) {
      this.end(token);
      return null;
    }
    session.usedMs = now;
    return session;
  }

  /** Checks the password; the new session's token, or null (after a delay) when it is wrong. */
  async login(user: string, password: string): Promise<string | null> {
    if (await this.passwordIsRight(user, password)) {
      this.expire();
      const token = randomBytes(32).toString('base64url');
      this.sessions.set(token, this.store(user, userPrincipal(user)));
      return token;
    }
    await sleep(FAILED_LOGIN_DELAY_MS);
    return null;
  }

  logout(cookieHeader: string | undefined): void {
    const token = cookieValue(cookieHeader, SESSION_COOKIE);
    if (token !== null) this.end(token);
  }

  close(): void {
    for (const token of [...this.sessions.keys()]) this.end(token);
    this.anonymous?.client.close();
    this.anonymous = null;
  }

  private async passwordIsRight(user: string, password: string): Promise<boolean> {
    if (user === '' || password === '') return false;
    for (const mechanism of MECHANISMS) {
      const credential = this.node.credentials(user, mechanism);
      if (credential) return passwordMatches(mechanism, credential, password);
    }
    return false;
  }

  private store(user: string | null, principal: KafkaPrincipal): Stored {
    const { admin, client } = consoleAdmin(this.node, principal);
    const now = Date.now();
    return { user, admin, client, createdMs: now, usedMs: now };
  }

  private end(token: string): void {
    this.sessions.get(token)?.client.close();
    this.sessions.delete(token);
  }

  /** Drops ended sessions, and the least recently used past the cap. */
  private expire(): void {
    const now = Date.now();
    for (const [token, s] of this.sessions) {
      if (now - s.usedMs > IDLE_MS || now - s.createdMs > LIFETIME_MS) this.end(token);
    }
    const byUse = [...this.sessions].sort((a, b) => a[1].usedMs - b[1].usedMs);
    while (byUse.length >= SESSIONS_MAX) this.end(byUse.shift()![0]);
  }
}
