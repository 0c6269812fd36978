// The SASL state of one connection on a SASL listener, as Kafka's SaslServerAuthenticator keeps
// it. Every frame passes here before the dispatcher; until the client has authenticated only
// ApiVersions and the SASL exchange are served:
//   handshake      ApiVersions (any number) → dispatcher; SaslHandshake picks the mechanism.
//                  v1 wraps each token in a SaslAuthenticate request; v0 sends raw tokens, each a
//                  size-prefixed frame with no header (kafka-python, clients of before KIP-152).
//                  Anything else closes the connection.
//   authenticate   tokens go to the mechanism's exchange until it names the principal.
//   authenticated  requests go to the dispatcher. With connections.max.reauth.ms the session ends
//                  then: a SaslHandshake before it starts a re-authentication (KIP-368, at most one a
//                  second), which must keep the mechanism and principal, and the first request
//                  after it closes the connection.
// A failed authentication is answered (SASL_AUTHENTICATION_FAILED, UNSUPPORTED_SASL_MECHANISM or
// ILLEGAL_SASL_STATE, or nothing for raw tokens) after a delay that grows with repeated failures,
// then the connection closes. Nothing here logs a token.
import {
  ErrorCode,
  formatPrincipal,
  type KafkaPrincipal,
  limits,
  type Logger,
  type Reader,
  samePrincipal,
} from '../../common/index.js';
import { isScramMechanism } from '../../metadata/index.js';
import { API_VERSIONS_KEY, decodeRequest, decodeRequestHeader, encodeResponse } from '../protocol/index.js';
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../protocol/messages/sasl-authenticate.js';
import type { SaslHandshakeRequest, SaslHandshakeResponse } from '../protocol/messages/sasl-handshake.js';
import { AuthenticationFailed, type ServerExchange } from './exchange.js';
import type { FailureDelays } from './failure-delays.js';
import { PlainServerExchange } from './plain-exchange.js';
import { type CredentialLookup, ScramServerExchange } from './scram-exchange.js';

const SASL_HANDSHAKE_KEY = 17;
const SASL_AUTHENTICATE_KEY = 36;
/** Kafka's MIN_REAUTH_INTERVAL_ONE_SECOND_NANOS. */
const REAUTH_INTERVAL_MS_MIN = 1000;

/** What the connection does with a frame. */
export type GateOutcome =
  | { readonly kind: 'dispatch' }
  | { readonly kind: 'answer'; readonly frame: Buffer[] }
  /** Answer `frame` (if any) after `delayMs`, then close: a failed authentication. */
  | { readonly kind: 'fail'; readonly frame: Buffer[] | null; readonly delayMs: number; readonly reason: string }
  /** Close now, without an answer: the client does not speak the protocol. */
  | { readonly kind: 'close'; readonly reason: string };

/** What a SASL listener's sessions share. */
export interface SaslListenerConfig {
  readonly listenerName: string;
  /** The mechanisms offered here (PLAIN only where it is allowed). */
  readonly mechanisms: readonly string[];
  readonly credentials: CredentialLookup;
  /** connections.max.reauth.ms; 0: sessions do not end. */
  readonly sessionLifetimeMs: number;
  readonly failureDelays: FailureDelays;
  readonly log: Logger;
  readonly now?: () => number;
}

interface Authenticated {
  readonly mechanism: string;
  readonly principal: KafkaPrincipal;
  readonly expiresAtMs: number | null;
  readonly reauthStartedAtMs: number | null;
}

type State =
  | { readonly stage: 'handshake' }
  | {
      readonly stage: 'authenticate';
      readonly exchange: ServerExchange;
      /** Tokens in SaslAuthenticate requests (handshake v1), else raw. */
      readonly framed: boolean;
      /** The session being renewed, during a re-authentication. */
      readonly previous: Authenticated | null;
    }
  | ({ readonly stage: 'authenticated' } & Authenticated)
  | { readonly stage: 'failed' };

/** A mechanism that cannot be used for this re-authentication: its first token fails. */
function refusingExchange(mechanism: string, message: string): ServerExchange {
  return {
    mechanism,
    step: () => {
      throw new AuthenticationFailed(message);
    },
  };
}

export class SaslSession {
  private state: State = { stage: 'handshake' };
  private readonly now: () => number;

  constructor(
    private readonly config: SaslListenerConfig,
    private readonly clientAddress: string,
    private readonly onAuthenticated: (principal: KafkaPrincipal) => void,
  ) {
    this.now = config.now ?? Date.now;
  }

  /** True once the client has authenticated (and stays so through a re-authentication). */
  get authenticated(): boolean {
    return (
      this.state.stage === 'authenticated' || (this.state.stage === 'authenticate' && this.state.previous !== null)
    );
  }

  /** Before authentication frames are small: a client that has not logged in cannot make us buffer much. */
  frameSizeMax(): number {
    return this.authenticated ? limits.requestSizeBytesMax : limits.saslReceiveBytesMax;
  }

  admit(frame: Buffer): GateOutcome | Promise<GateOutcome> {
    const state = this.state;
    switch (state.stage) {
      case 'handshake':
        return this.beforeHandshake(frame);
      case 'authenticate':
        return this.duringExchange(state, frame);
      case 'authenticated':
        return this.whileAuthenticated(state, frame);
      case 'failed':
        return { kind: 'close', reason: 'SASL authentication failed' };
    }
  }

  private beforeHandshake(frame: Buffer): GateOutcome {
    const { header, reader } = decodeRequestHeader(frame);
    switch (header.requestApiKey) {
      case API_VERSIONS_KEY:
        return { kind: 'dispatch' };
      case SASL_HANDSHAKE_KEY:
        return this.handshake(header.requestApiVersion, header.correlationId, reader, null);
      case SASL_AUTHENTICATE_KEY:
        return this.fail(
          this.authenticateError(
            header.requestApiVersion,
            header.correlationId,
            ErrorCode.ILLEGAL_SASL_STATE,
            'SaslAuthenticate before SaslHandshake',
          ),
          'SaslAuthenticate before SaslHandshake',
        );
      default:
        return {
          kind: 'close',
          reason: `request of API key ${header.requestApiKey} before SASL authentication (is the client set up for SASL?)`,
        };
    }
  }

  private handshake(
    version: number,
    correlationId: number,
    reader: Reader,
    previous: Authenticated | null,
  ): GateOutcome {
    if (version < 0 || version > 1) return { kind: 'close', reason: `unsupported SaslHandshake version ${version}` };
    const { mechanism } = decodeRequest<SaslHandshakeRequest>(SASL_HANDSHAKE_KEY, version, reader);
    const offered = [...this.config.mechanisms];
    const answer = (errorCode: number) =>
      encodeResponse(SASL_HANDSHAKE_KEY, version, correlationId, {
        errorCode,
        mechanisms: offered,
      } satisfies SaslHandshakeResponse);
    if (!offered.includes(mechanism)) {
      return this.fail(answer(ErrorCode.UNSUPPORTED_SASL_MECHANISM), `SASL mechanism '${mechanism}' is not offered`);
    }
    if (previous !== null && version === 0) {
      return this.fail(answer(ErrorCode.ILLEGAL_SASL_STATE), 're-authentication needs SaslHandshake v1');
    }
    const exchange =
      previous !== null && previous.mechanism !== mechanism
        ? refusingExchange(
            mechanism,
            `SASL mechanism '${mechanism}' requested by client is not supported for re-authentication of mechanism ` +
              `'${previous.mechanism}'`,
          )
        : this.exchangeFor(mechanism, previous !== null);
    this.state = { stage: 'authenticate', exchange, framed: version >= 1, previous };
    return { kind: 'answer', frame: answer(ErrorCode.NONE) };
  }

  private exchangeFor(mechanism: string, reauthenticating: boolean): ServerExchange {
    if (isScramMechanism(mechanism)) {
      return new ScramServerExchange(mechanism, this.config.credentials, reauthenticating);
    }
    return new PlainServerExchange(this.config.credentials, reauthenticating);
  }

  private duringExchange(state: State & { stage: 'authenticate' }, frame: Buffer): GateOutcome | Promise<GateOutcome> {
    if (!state.framed) return this.step(state, frame, null);
    const { header, reader } = decodeRequestHeader(frame);
    const { requestApiKey: apiKey, requestApiVersion: version, correlationId } = header;
    if (apiKey === SASL_AUTHENTICATE_KEY) {
      if (version < 0 || version > 2)
        return { kind: 'close', reason: `unsupported SaslAuthenticate version ${version}` };
      const request = decodeRequest<SaslAuthenticateRequest>(SASL_AUTHENTICATE_KEY, version, reader);
      return this.step(state, request.authBytes, { version, correlationId });
    }
    // During a re-authentication the session being renewed still serves (it has not ended).
    if (state.previous !== null && !this.expired(state.previous)) return { kind: 'dispatch' };
    if (apiKey === SASL_HANDSHAKE_KEY) {
      const answer = encodeResponse(SASL_HANDSHAKE_KEY, Math.min(version, 1), correlationId, {
        errorCode: ErrorCode.ILLEGAL_SASL_STATE,
        mechanisms: [],
      } satisfies SaslHandshakeResponse);
      return this.fail(answer, 'a second SaslHandshake during SASL authentication');
    }
    return { kind: 'close', reason: `request of API key ${apiKey} during SASL authentication` };
  }

  private step(
    state: State & { stage: 'authenticate' },
    token: Buffer,
    framing: { readonly version: number; readonly correlationId: number } | null,
  ): GateOutcome | Promise<GateOutcome> {
    const done = (step: { response: Buffer; principal: KafkaPrincipal | null }): GateOutcome =>
      this.afterStep(state, step, framing);
    const failed = (err: unknown): GateOutcome => {
      if (!(err instanceof AuthenticationFailed)) throw err;
      const answer = framing
        ? this.authenticateError(
            framing.version,
            framing.correlationId,
            ErrorCode.SASL_AUTHENTICATION_FAILED,
            err.message,
          )
        : null;
      return this.fail(answer, `SASL ${state.exchange.mechanism} authentication failed: ${err.reason}`);
    };
    try {
      const step = state.exchange.step(token);
      if (step instanceof Promise) return step.then(done, failed);
      return done(step);
    } catch (err) {
      return failed(err);
    }
  }

  private afterStep(
    state: State & { stage: 'authenticate' },
    step: { response: Buffer; principal: KafkaPrincipal | null },
    framing: { readonly version: number; readonly correlationId: number } | null,
  ): GateOutcome {
    let lifetimeMs = 0;
    if (step.principal !== null) {
      if (state.previous !== null && !samePrincipal(state.previous.principal, step.principal)) {
        const message =
          `Cannot change principals during re-authentication from ${formatPrincipal(state.previous.principal)}: ` +
          formatPrincipal(step.principal);
        const answer = framing
          ? this.authenticateError(
              framing.version,
              framing.correlationId,
              ErrorCode.SASL_AUTHENTICATION_FAILED,
              message,
            )
          : null;
        return this.fail(answer, message);
      }
      const now = this.now();
      lifetimeMs = this.config.sessionLifetimeMs;
      this.state = {
        stage: 'authenticated',
        mechanism: state.exchange.mechanism,
        principal: step.principal,
        expiresAtMs: lifetimeMs > 0 ? now + lifetimeMs : null,
        reauthStartedAtMs: state.previous?.reauthStartedAtMs ?? null,
      };
      if (state.previous === null) this.onAuthenticated(step.principal);
      this.config.log.debug(
        { client: this.clientAddress, principal: formatPrincipal(step.principal), mechanism: state.exchange.mechanism },
        state.previous === null ? 'SASL authentication succeeded' : 'SASL re-authentication succeeded',
      );
    }
    if (!framing) return { kind: 'answer', frame: [sizePrefixed(step.response)] };
    const body: SaslAuthenticateResponse = {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      authBytes: step.response,
      sessionLifetimeMs: lifetimeMs,
    };
    return {
      kind: 'answer',
      frame: encodeResponse(SASL_AUTHENTICATE_KEY, framing.version, framing.correlationId, body),
    };
  }

  private whileAuthenticated(state: State & { stage: 'authenticated' }, frame: Buffer): GateOutcome {
    if (state.expiresAtMs === null) return { kind: 'dispatch' };
    const now = this.now();
    const apiKey = frame.length >= 2 ? frame.readInt16BE(0) : -1;
    const mayReauthenticate =
      state.reauthStartedAtMs === null || now - state.reauthStartedAtMs >= REAUTH_INTERVAL_MS_MIN;
    if (apiKey === SASL_HANDSHAKE_KEY && mayReauthenticate && !this.expired(state)) {
      const { header, reader } = decodeRequestHeader(frame);
      const previous: Authenticated = { ...state, reauthStartedAtMs: now };
      return this.handshake(header.requestApiVersion, header.correlationId, reader, previous);
    }
    if (this.expired(state)) {
      return { kind: 'close', reason: `SASL session of ${formatPrincipal(state.principal)} expired` };
    }
    return { kind: 'dispatch' };
  }

  private expired(session: Authenticated): boolean {
    return session.expiresAtMs !== null && this.now() >= session.expiresAtMs;
  }

  private authenticateError(version: number, correlationId: number, errorCode: number, message: string): Buffer[] {
    const body: SaslAuthenticateResponse = {
      errorCode,
      errorMessage: message,
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0,
    };
    return encodeResponse(SASL_AUTHENTICATE_KEY, Math.max(0, Math.min(version, 2)), correlationId, body);
  }

  private fail(frame: Buffer[] | null, reason: string): GateOutcome {
    this.state = { stage: 'failed' };
    return { kind: 'fail', frame, delayMs: this.config.failureDelays.failed(this.clientAddress), reason };
  }
}

/** A raw SASL token as handshake v0 frames it: int32 size, then the bytes. */
function sizePrefixed(token: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(token.length, 0);
  return Buffer.concat([size, token]);
}
