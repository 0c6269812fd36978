// What the controller records for CreateAcls, DeleteAcls and AlterClientQuotas: one result per
// item, records only for what changes, and Kafka's filter semantics (ANY, MATCH) for deletion.
import { describe, expect, it } from 'vitest';
import {
  type AclBinding,
  AclOperation,
  AclPermissionType,
  PatternType,
  ResourceType,
} from '../../src/metadata/acl-model.js';
import { planAclCreation, planAclDeletion, planClientQuotas } from '../../src/metadata/security-plans.js';
import { MetadataState } from '../../src/metadata/state.js';

const acl = (partial: Partial<AclBinding> = {}): AclBinding => ({
  resourceType: ResourceType.TOPIC,
  resourceName: 'orders',
  patternType: PatternType.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation: AclOperation.READ,
  permissionType: AclPermissionType.ALLOW,
  ...partial,
});

function stateWith(acls: readonly AclBinding[]): MetadataState {
  const state = new MetadataState();
  for (const record of planAclCreation(state, acls).records) state.apply(record);
  return state;
}

const filterAll = {
  resourceType: ResourceType.ANY,
  resourceName: null,
  patternType: PatternType.ANY,
  principal: null,
  host: null,
  operation: AclOperation.ANY,
  permissionType: AclPermissionType.ANY,
};

describe('CreateAcls plans', () => {
  it('record each new ACL once, succeed for existing ones, and fail invalid ones alone', () => {
    const state = stateWith([acl()]);
    const plan = planAclCreation(state, [
      acl(),
      acl({ operation: AclOperation.WRITE }),
      acl({ operation: AclOperation.WRITE }),
      acl({ resourceType: ResourceType.CLUSTER, resourceName: 'other' }),
      acl({ resourceType: ResourceType.DELEGATION_TOKEN }),
      acl({ principal: 'alice' }),
      acl({ patternType: PatternType.MATCH }),
    ]);
    expect(plan.results.map((r) => r.errorCode)).toEqual([0, 0, 0, 42, 42, 42, 42]);
    expect(plan.results[3]!.errorMessage).toMatch(/kafka-cluster/);
    expect(plan.results[4]!.errorMessage).toMatch(/not supported/);
    expect(plan.records).toHaveLength(1);
  });
});

describe('DeleteAcls plans', () => {
  const state = stateWith([
    acl(),
    acl({ resourceName: 'ord', patternType: PatternType.PREFIXED }),
    acl({ resourceName: '*' }),
    acl({ resourceName: 'payments', principal: 'User:bob', permissionType: AclPermissionType.DENY }),
  ]);
  const names = (result: { matchingAcls: readonly AclBinding[] }) =>
    result.matchingAcls.map((a) => a.resourceName).sort();

  it('remove what each filter selects, once, and report it per filter', () => {
    const plan = planAclDeletion(state, [
      { ...filterAll, resourceName: 'orders', patternType: PatternType.MATCH },
      { ...filterAll, principal: 'User:bob' },
      { ...filterAll, resourceName: 'orders', patternType: PatternType.LITERAL },
    ]);
    expect(names(plan.results[0]!)).toEqual(['*', 'ord', 'orders']);
    expect(names(plan.results[1]!)).toEqual(['payments']);
    expect(names(plan.results[2]!)).toEqual(['orders']);
    expect(plan.records).toHaveLength(4);
  });

  it('match names exactly under ANY, and refuse UNKNOWN in a filter', () => {
    const plan = planAclDeletion(state, [
      { ...filterAll, resourceName: 'ord' },
      { ...filterAll, operation: AclOperation.UNKNOWN },
    ]);
    expect(names(plan.results[0]!)).toEqual(['ord']);
    expect(plan.results[1]).toMatchObject({ errorCode: 42, matchingAcls: [] });
    expect(plan.records).toHaveLength(1);
  });
});

describe('AlterClientQuotas plans', () => {
  const user = (name: string | null) => [{ entityType: 'user', entityName: name }];

  it('record changed values and removals, nothing for what is already so', () => {
    const state = new MetadataState();
    const first = planClientQuotas(state, [
      { entity: user('alice'), ops: [{ key: 'producer_byte_rate', value: 100, remove: false }] },
    ]);
    expect(first.results[0]!.errorCode).toBe(0);
    for (const record of first.records) state.apply(record);
    const again = planClientQuotas(state, [
      {
        entity: user('alice'),
        ops: [
          { key: 'producer_byte_rate', value: 100, remove: false },
          { key: 'consumer_byte_rate', value: 0, remove: true },
        ],
      },
    ]);
    expect(again.records).toEqual([]);
    const removal = planClientQuotas(state, [
      { entity: user('alice'), ops: [{ key: 'producer_byte_rate', value: 0, remove: true }] },
    ]);
    expect(removal.records).toEqual([
      { type: 'ClientQuota', entity: { user: 'alice' }, key: 'producer_byte_rate', value: null },
    ]);
  });

  it('fail a whole entity for a bad value, a repeated key or a repeated entity', () => {
    const state = new MetadataState();
    const plan = planClientQuotas(state, [
      {
        entity: user('a'),
        ops: [
          { key: 'producer_byte_rate', value: 10, remove: false },
          { key: 'consumer_byte_rate', value: -1, remove: false },
        ],
      },
      {
        entity: user('b'),
        ops: [
          { key: 'producer_byte_rate', value: 10, remove: false },
          { key: 'producer_byte_rate', value: 20, remove: false },
        ],
      },
      { entity: user(null), ops: [{ key: 'request_percentage', value: 50, remove: false }] },
      { entity: user(null), ops: [{ key: 'request_percentage', value: 60, remove: false }] },
      { entity: user('c'), ops: [{ key: 'controller_mutation_rate', value: 5, remove: false }] },
    ]);
    expect(plan.results.map((r) => r.errorCode)).toEqual([42, 42, 0, 42, 42]);
    expect(plan.results.map((r) => r.errorMessage)).toEqual([
      expect.stringMatching(/greater than 0/),
      expect.stringMatching(/duplicate quota key/),
      null,
      expect.stringMatching(/duplicate entity/),
      expect.stringMatching(/not supported/),
    ]);
    expect(plan.records).toEqual([
      { type: 'ClientQuota', entity: { user: null }, key: 'request_percentage', value: 50 },
    ]);
  });
});
