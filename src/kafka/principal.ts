// Who sent a request, as Kafka names it: a KafkaPrincipal (`User:alice`), and the listener it came
// through. A listener that authenticates clients (SASL, TLS client certificates) names the user it
// proved; any other gives User:ANONYMOUS, as Kafka does. ACLs and quotas are keyed by these.

/** Kafka's KafkaPrincipal: a type (always `User` for SASL and certificates) and a name. */
export interface KafkaPrincipal {
  readonly type: string;
  readonly name: string;
}

export const USER_TYPE = 'User';

/** The principal of a client that has not authenticated (Kafka's KafkaPrincipal.ANONYMOUS). */
export const ANONYMOUS: KafkaPrincipal = { type: USER_TYPE, name: 'ANONYMOUS' };

/** Kafka's listener security protocols. */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** `User:alice`: the text form ACLs and super.users carry. */
export function principalText(principal: KafkaPrincipal): string {
  return `${principal.type}:${principal.name}`;
}
