// Who a client is and how it reached the broker: Kafka's KafkaPrincipal and security protocols.
// The Kafka listener sets them per connection (a TLS client certificate's CN, or the identity a
// SASL exchange proved); the authorizer and quotas read them. They live in common because the
// settings (super users, listeners) and the metadata (ACLs, SCRAM users) name principals too.

/** Kafka's security protocols (listener.security.protocol.map's values). */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** A protocol that runs over TLS. */
export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

/** A protocol that runs a SASL exchange before anything else is served. */
export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

/** Kafka's KafkaPrincipal: Brook's principals are all of type User, as Kafka's built-in ones are. */
export interface KafkaPrincipal {
  readonly type: 'User';
  readonly name: string;
}

/** The principal of a client no listener authenticated (PLAINTEXT, or TLS without a certificate). */
export const ANONYMOUS: KafkaPrincipal = Object.freeze({ type: 'User', name: 'ANONYMOUS' });

export function userPrincipal(name: string): KafkaPrincipal {
  return { type: 'User', name };
}

/** Kafka's text form, `User:alice`, as ACLs and super.users write it. */
export function formatPrincipal(principal: KafkaPrincipal): string {
  return `${principal.type}:${principal.name}`;
}

/** Parses `User:alice`; null when the text is not a User principal with a name. */
export function parsePrincipal(text: string): KafkaPrincipal | null {
  const colon = text.indexOf(':');
  if (colon < 0 || text.slice(0, colon) !== 'User' || colon === text.length - 1) return null;
  return userPrincipal(text.slice(colon + 1));
}

export function samePrincipal(a: KafkaPrincipal, b: KafkaPrincipal): boolean {
  return a.type === b.type && a.name === b.name;
}
