// Client quotas as Kafka keeps them (ClientQuotaControlManager, ClientQuotasImage): an entity is a
// user, a client id, or a user and a client id, where each name may be the default (null: every
// user, every client id without a quota of its own), and it holds quota values by key. Which
// entity's value applies to a request follows Kafka's precedence (ClientQuotaManager):
//   user+client-id, user+default client-id, user, default user+client-id,
//   default user+default client-id, default user, client-id, default client-id,
// evaluated per quota key. The entity that applies also says who shares the measured rate: a
// user quota is shared by all of that user's clients, a user+client-id quota by that pair only.
import { ErrorCode, KafkaError, limits } from '../common/index.js';

/** The quota keys Brook enforces, with whether their values must be whole numbers (Kafka's LONG). */
export const QUOTA_KEYS = {
  producer_byte_rate: { integral: true },
  consumer_byte_rate: { integral: true },
  request_percentage: { integral: false },
} as const;
export type QuotaKey = keyof typeof QUOTA_KEYS;

/** Kafka quota keys Brook knows but does not enforce: refused rather than accepted and ignored. */
const UNENFORCED_KEYS = new Set(['controller_mutation_rate', 'connection_creation_rate']);

export const QUOTA_ENTITY_USER = 'user';
export const QUOTA_ENTITY_CLIENT_ID = 'client-id';
export const QUOTA_ENTITY_IP = 'ip';

/** A quota entity: each part absent (not part of it), null (the default) or a name. */
export interface QuotaEntity {
  readonly user?: string | null;
  readonly clientId?: string | null;
}

/** The entity as Kafka's wire carries it: [{ entityType, entityName }]. */
export interface QuotaEntityPart {
  readonly entityType: string;
  readonly entityName: string | null;
}

export interface ClientQuotaEntry {
  readonly entity: QuotaEntity;
  readonly values: Readonly<Partial<Record<QuotaKey, number>>>;
}

/** The quota that applies to a request, and the key of the rate it is measured against. */
export interface AppliedQuota {
  readonly bound: number;
  /** Requests with the same key share one measured rate (Kafka's quota metric tags). */
  readonly sensorKey: string;
}

const invalid = (message: string) => new KafkaError(ErrorCode.INVALID_REQUEST, message);

export function isQuotaKey(key: string): key is QuotaKey {
  return Object.hasOwn(QUOTA_KEYS, key);
}

/** Reads a wire entity; throws INVALID_REQUEST for an empty, duplicated or unsupported one. */
export function entityOfParts(parts: readonly QuotaEntityPart[]): QuotaEntity {
  if (parts.length === 0) throw invalid('invalid empty client quota entity');
  let user: string | null | undefined;
  let clientId: string | null | undefined;
  for (const part of parts) {
    if (part.entityName !== null && part.entityName.length > limits.aclFieldLengthMax) {
      throw invalid(`quota entity name is longer than ${limits.aclFieldLengthMax} characters`);
    }
    if (part.entityType === QUOTA_ENTITY_USER) {
      if (user !== undefined) throw invalid('invalid client quota entity, duplicate entity entry user');
      user = part.entityName;
    } else if (part.entityType === QUOTA_ENTITY_CLIENT_ID) {
      if (clientId !== undefined) throw invalid('invalid client quota entity, duplicate entity entry client-id');
      clientId = part.entityName;
    } else if (part.entityType === QUOTA_ENTITY_IP) {
      throw invalid('ip quotas (connection_creation_rate) are not supported');
    } else {
      throw invalid(`unhandled client quota entity type: ${part.entityType}`);
    }
  }
  return { ...(user !== undefined ? { user } : {}), ...(clientId !== undefined ? { clientId } : {}) };
}

export function partsOfEntity(entity: QuotaEntity): QuotaEntityPart[] {
  const parts: QuotaEntityPart[] = [];
  if (entity.user !== undefined) parts.push({ entityType: QUOTA_ENTITY_USER, entityName: entity.user });
  if (entity.clientId !== undefined) parts.push({ entityType: QUOTA_ENTITY_CLIENT_ID, entityName: entity.clientId });
  return parts;
}

/** Checks a value to be set, as Kafka's validateQuotaKeyValue does. */
export function validateQuotaValue(key: string, value: number): asserts key is QuotaKey {
  if (UNENFORCED_KEYS.has(key)) throw invalid(`quota ${key} is not supported by this broker`);
  if (!isQuotaKey(key)) throw invalid(`invalid configuration key ${key}`);
  if (!Number.isFinite(value) || value <= 0) throw invalid(`quota ${key} must be greater than 0`);
  if (QUOTA_KEYS[key].integral && Math.abs(value % 1) > 1e-6) throw invalid(`${key} cannot be a fractional value`);
  if (QUOTA_KEYS[key].integral && value > Number.MAX_SAFE_INTEGER) throw invalid(`${key} is too large`);
}

function entityKey(entity: QuotaEntity): string {
  return JSON.stringify([
    entity.user === undefined ? 0 : 1,
    entity.user ?? null,
    entity.clientId === undefined ? 0 : 1,
    entity.clientId ?? null,
  ]);
}

/** One way an entity can apply to a (user, client id): which entity, and which rate it shares. */
interface Candidate {
  readonly entity: QuotaEntity;
  readonly sharedBy: 'user' | 'client' | 'both';
}

/** Kafka's precedence, most specific first. */
function candidates(user: string, clientId: string): readonly Candidate[] {
  return [
    { entity: { user, clientId }, sharedBy: 'both' },
    { entity: { user, clientId: null }, sharedBy: 'both' },
    { entity: { user }, sharedBy: 'user' },
    { entity: { user: null, clientId }, sharedBy: 'both' },
    { entity: { user: null, clientId: null }, sharedBy: 'both' },
    { entity: { user: null }, sharedBy: 'user' },
    { entity: { clientId }, sharedBy: 'client' },
    { entity: { clientId: null }, sharedBy: 'client' },
  ];
}

/** A filter component of DescribeClientQuotas. */
export interface QuotaFilterComponent {
  readonly entityType: string;
  /** 0: the exact name, 1: the default, 2: any name. */
  readonly matchType: number;
  readonly match: string | null;
}

export const MatchType = { exact: 0, default: 1, specified: 2 } as const;

export class ClientQuotaStore {
  private readonly entries = new Map<string, { entity: QuotaEntity; values: Map<QuotaKey, number> }>();
  /** Bumped on every change, so enforcement can cache what it resolved. */
  version = 0;

  get size(): number {
    return this.entries.size;
  }

  get(entity: QuotaEntity): Readonly<Partial<Record<QuotaKey, number>>> {
    const entry = this.entries.get(entityKey(entity));
    return entry ? Object.fromEntries(entry.values) : {};
  }

  /** Sets (value) or removes (null) one quota of an entity; the entity goes when its last quota does. */
  set(entity: QuotaEntity, key: QuotaKey, value: number | null): void {
    const k = entityKey(entity);
    let entry = this.entries.get(k);
    if (value === null) {
      if (!entry) return;
      entry.values.delete(key);
      if (entry.values.size === 0) this.entries.delete(k);
    } else {
      if (!entry) this.entries.set(k, (entry = { entity: { ...entity }, values: new Map() }));
      entry.values.set(key, value);
    }
    this.version++;
  }

  has(entity: QuotaEntity): boolean {
    return this.entries.has(entityKey(entity));
  }

  all(): ClientQuotaEntry[] {
    return [...this.entries.values()].map(({ entity, values }) => ({ entity, values: Object.fromEntries(values) }));
  }

  clear(): void {
    this.entries.clear();
    this.version++;
  }

  /** The quota `key` that applies to `user`'s requests from `clientId`, or null when none does. */
  resolve(key: QuotaKey, user: string, clientId: string): AppliedQuota | null {
    if (this.entries.size === 0) return null;
    for (const { entity, sharedBy } of candidates(user, clientId)) {
      const bound = this.entries.get(entityKey(entity))?.values.get(key);
      if (bound === undefined) continue;
      const sensorUser = sharedBy === 'client' ? '' : user;
      const sensorClient = sharedBy === 'user' ? '' : clientId;
      return { bound, sensorKey: `${key}\u0000${sensorUser}\u0000${sensorClient}` };
    }
    return null;
  }

  /** DescribeClientQuotas: the entities the components select (Kafka's ClientQuotasImage.describe). */
  describe(components: readonly QuotaFilterComponent[], strict: boolean): ClientQuotaEntry[] {
    const exact = new Map<string, string | null>();
    const typed = new Set<string>();
    for (const c of components) {
      if (c.entityType === '') throw invalid('invalid empty entity type');
      if (exact.has(c.entityType) || typed.has(c.entityType)) {
        throw invalid(`entity type ${c.entityType} cannot appear more than once in the filter`);
      }
      if (![QUOTA_ENTITY_USER, QUOTA_ENTITY_CLIENT_ID, QUOTA_ENTITY_IP].includes(c.entityType)) {
        throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `unsupported entity type ${c.entityType}`);
      }
      if (c.matchType === MatchType.exact) {
        if (c.match === null) throw invalid('MATCH_TYPE_EXACT with a null match string');
        exact.set(c.entityType, c.match);
      } else if (c.matchType === MatchType.default) {
        if (c.match !== null) throw invalid('MATCH_TYPE_DEFAULT with a match string');
        exact.set(c.entityType, null);
      } else if (c.matchType === MatchType.specified) {
        if (c.match !== null) throw invalid('MATCH_TYPE_SPECIFIED with a match string');
        typed.add(c.entityType);
      } else {
        throw invalid(`unknown match type ${c.matchType}`);
      }
    }
    return this.all().filter(({ entity }) => {
      const parts = new Map(partsOfEntity(entity).map((p) => [p.entityType, p.entityName]));
      if (strict && parts.size !== exact.size + typed.size) return false;
      for (const [type, name] of exact) if (!parts.has(type) || parts.get(type) !== name) return false;
      for (const type of typed) if (!parts.has(type)) return false;
      return true;
    });
  }
}
