// ACLs and client quotas are metadata records: every node applies them to the same state, an
// invalid or duplicate record is ignored the same way everywhere, and snapshots carry them (a
// snapshot from before they existed restores with none).
import { describe, expect, it } from 'vitest';
import {
  type AclBinding,
  AclOperation,
  AclPermissionType,
  PatternType,
  ResourceType,
} from '../../src/metadata/acl-model.js';
import { MetadataState, type MetadataSnapshot } from '../../src/metadata/state.js';

const readOrders: AclBinding = {
  resourceType: ResourceType.TOPIC,
  resourceName: 'orders',
  patternType: PatternType.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation: AclOperation.READ,
  permissionType: AclPermissionType.ALLOW,
};

describe('ACL and quota records in the metadata state', () => {
  it('add and remove ACLs by id, ignoring a duplicate and an invalid one', () => {
    const state = new MetadataState();
    expect(state.apply({ type: 'AccessControlEntry', id: 'a', acl: readOrders })?.kind).toBe('acls-changed');
    expect(state.apply({ type: 'AccessControlEntry', id: 'b', acl: readOrders })?.kind).toBe('ignored');
    const bad = { ...readOrders, resourceName: '' };
    expect(state.apply({ type: 'AccessControlEntry', id: 'c', acl: bad })).toEqual({
      kind: 'ignored',
      reason: expect.stringMatching(/empty resource name/) as string,
    });
    expect(state.acls.size).toBe(1);
    expect(state.apply({ type: 'RemoveAccessControlEntry', id: 'a' })?.kind).toBe('acls-changed');
    expect(state.apply({ type: 'RemoveAccessControlEntry', id: 'a' })).toBeNull();
    expect(state.acls.size).toBe(0);
  });

  it('set and remove quotas, ignoring a value that is refused now', () => {
    const state = new MetadataState();
    const entity = { user: 'alice' };
    expect(state.apply({ type: 'ClientQuota', entity, key: 'producer_byte_rate', value: 1000 })?.kind).toBe(
      'client-quotas-changed',
    );
    expect(state.apply({ type: 'ClientQuota', entity, key: 'producer_byte_rate', value: -1 })?.kind).toBe('ignored');
    expect(state.apply({ type: 'ClientQuota', entity, key: 'made_up', value: 1 })?.kind).toBe('ignored');
    expect(state.clientQuotas.get(entity)).toEqual({ producer_byte_rate: 1000 });
    state.apply({ type: 'ClientQuota', entity, key: 'producer_byte_rate', value: null });
    expect(state.clientQuotas.size).toBe(0);
  });

  it('keep ACLs and quotas in snapshots, and restore an older snapshot without them', () => {
    const state = new MetadataState();
    state.apply({ type: 'AccessControlEntry', id: 'a', acl: readOrders });
    state.apply({ type: 'ClientQuota', entity: { clientId: null }, key: 'consumer_byte_rate', value: 5000 });
    const snapshot = JSON.parse(JSON.stringify(state.snapshot())) as MetadataSnapshot;
    const restored = new MetadataState();
    restored.restore(snapshot);
    expect(restored.acls.all()).toEqual([{ id: 'a', ...readOrders }]);
    expect(restored.clientQuotas.resolve('consumer_byte_rate', 'anyone', 'app')?.bound).toBe(5000);
    const { acls: _acls, clientQuotas: _quotas, ...older } = snapshot;
    restored.restore(older);
    expect(restored.acls.size).toBe(0);
    expect(restored.clientQuotas.size).toBe(0);
  });
});
