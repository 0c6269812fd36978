// Client quotas as Kafka resolves them: the precedence of entities (user+client-id first, default
// client-id last), per quota key; who shares a measured rate; DescribeClientQuotas' filters; and
// the values AlterClientQuotas refuses.
import { describe, expect, it } from 'vitest';
import {
  ClientQuotaStore,
  entityOfParts,
  MatchType,
  type QuotaEntity,
  validateQuotaValue,
} from '../../src/metadata/client-quotas.js';

function store(entries: readonly [QuotaEntity, number][], key = 'producer_byte_rate' as const): ClientQuotaStore {
  const quotas = new ClientQuotaStore();
  for (const [entity, value] of entries) quotas.set(entity, key, value);
  return quotas;
}

describe('client quota precedence', () => {
  // Kafka's order, most specific first; each entity's bound is its rank.
  const ranked: [QuotaEntity, number][] = [
    [{ user: 'alice', clientId: 'app' }, 1],
    [{ user: 'alice', clientId: null }, 2],
    [{ user: 'alice' }, 3],
    [{ user: null, clientId: 'app' }, 4],
    [{ user: null, clientId: null }, 5],
    [{ user: null }, 6],
    [{ clientId: 'app' }, 7],
    [{ clientId: null }, 8],
  ];

  it('applies the most specific entity that has the quota', () => {
    for (let i = 0; i < ranked.length; i++) {
      const quotas = store(ranked.slice(i));
      expect(quotas.resolve('producer_byte_rate', 'alice', 'app')?.bound).toBe(i + 1);
    }
    expect(store([]).resolve('producer_byte_rate', 'alice', 'app')).toBeNull();
  });

  it('evaluates each quota key on its own', () => {
    const quotas = store([[{ user: 'alice' }, 100]]);
    quotas.set({ clientId: 'app' }, 'consumer_byte_rate', 50);
    expect(quotas.resolve('producer_byte_rate', 'alice', 'app')?.bound).toBe(100);
    expect(quotas.resolve('consumer_byte_rate', 'alice', 'app')?.bound).toBe(50);
    expect(quotas.resolve('request_percentage', 'alice', 'app')).toBeNull();
  });

  it('shares a user quota among the user’s clients, and a client-id quota among users of that id', () => {
    const byUser = store([[{ user: null }, 10]]);
    const a1 = byUser.resolve('producer_byte_rate', 'alice', 'app-1')!;
    const a2 = byUser.resolve('producer_byte_rate', 'alice', 'app-2')!;
    const b1 = byUser.resolve('producer_byte_rate', 'bob', 'app-1')!;
    expect(a1.sensorKey).toBe(a2.sensorKey);
    expect(a1.sensorKey).not.toBe(b1.sensorKey);
    const byClient = store([[{ clientId: null }, 10]]);
    expect(byClient.resolve('producer_byte_rate', 'alice', 'app')!.sensorKey).toBe(
      byClient.resolve('producer_byte_rate', 'bob', 'app')!.sensorKey,
    );
    const byPair = store([[{ user: 'alice', clientId: null }, 10]]);
    expect(byPair.resolve('producer_byte_rate', 'alice', 'app-1')!.sensorKey).not.toBe(
      byPair.resolve('producer_byte_rate', 'alice', 'app-2')!.sensorKey,
    );
  });

  it('forgets an entity with its last quota, and counts every change', () => {
    const quotas = store([[{ user: 'alice' }, 10]]);
    const version = quotas.version;
    quotas.set({ user: 'alice' }, 'producer_byte_rate', null);
    expect(quotas.size).toBe(0);
    expect(quotas.version).toBeGreaterThan(version);
  });
});

describe('DescribeClientQuotas filters', () => {
  const quotas = store([
    [{ user: 'alice', clientId: 'app' }, 1],
    [{ user: 'alice' }, 2],
    [{ user: null }, 3],
    [{ clientId: 'app' }, 4],
  ]);
  const bounds = (entries: ReturnType<ClientQuotaStore['describe']>) =>
    entries.map((e) => e.values.producer_byte_rate).sort();

  it('match exact names, defaults and any name, strictly or not', () => {
    const user = (matchType: number, match: string | null = null) => ({ entityType: 'user', matchType, match });
    expect(bounds(quotas.describe([user(MatchType.exact, 'alice')], false))).toEqual([1, 2]);
    expect(bounds(quotas.describe([user(MatchType.exact, 'alice')], true))).toEqual([2]);
    expect(bounds(quotas.describe([user(MatchType.default)], false))).toEqual([3]);
    expect(bounds(quotas.describe([user(MatchType.specified)], false))).toEqual([1, 2, 3]);
    expect(bounds(quotas.describe([], false))).toEqual([1, 2, 3, 4]);
    expect(bounds(quotas.describe([], true))).toEqual([]);
  });

  it('refuse duplicated types and contradictory components', () => {
    const c = { entityType: 'user', matchType: MatchType.exact, match: 'a' };
    expect(() => quotas.describe([c, c], false)).toThrow(/more than once/);
    expect(() => quotas.describe([{ ...c, match: null }], false)).toThrow(/null match/);
    expect(() => quotas.describe([{ ...c, matchType: MatchType.default }], false)).toThrow(/DEFAULT/);
    expect(() => quotas.describe([{ ...c, entityType: 'group' }], false)).toThrow(/unsupported entity type/);
  });
});

describe('AlterClientQuotas validation', () => {
  it('refuses unknown and unenforced keys, values not above 0, fractional byte rates', () => {
    expect(() => validateQuotaValue('producer_byte_rate', 1024)).not.toThrow();
    expect(() => validateQuotaValue('request_percentage', 12.5)).not.toThrow();
    expect(() => validateQuotaValue('producer_byte_rate', 0)).toThrow(/greater than 0/);
    expect(() => validateQuotaValue('producer_byte_rate', 1.5)).toThrow(/fractional/);
    expect(() => validateQuotaValue('controller_mutation_rate', 10)).toThrow(/not supported/);
    expect(() => validateQuotaValue('consumer_byte_rat', 10)).toThrow(/invalid configuration key/);
  });

  it('reads wire entities and refuses empty, duplicated and ip ones', () => {
    expect(entityOfParts([{ entityType: 'user', entityName: null }])).toEqual({ user: null });
    expect(
      entityOfParts([
        { entityType: 'client-id', entityName: 'app' },
        { entityType: 'user', entityName: 'alice' },
      ]),
    ).toEqual({ user: 'alice', clientId: 'app' });
    expect(() => entityOfParts([])).toThrow(/empty/);
    const user = { entityType: 'user', entityName: 'a' };
    expect(() => entityOfParts([user, user])).toThrow(/duplicate/);
    expect(() => entityOfParts([{ entityType: 'ip', entityName: '1.2.3.4' }])).toThrow(/not supported/);
  });
});
