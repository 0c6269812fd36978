// Kafka's authorization rules as StandardAuthorizer applies them, one rule per test: super users,
// the default for resources no ACL applies to, deny over allow, literal, wildcard and prefixed
// patterns, wildcard principals, hosts, the operations ALLOW ACLs imply, authorization by resource
// type (InitProducerId) and the authorized-operations bit set.
import { describe, expect, it } from 'vitest';
import { AclIndex } from '../../src/metadata/acl-index.js';
import {
  type AclBinding,
  AclOperation,
  AclPermissionType,
  PatternType,
  ResourceType,
} from '../../src/metadata/acl-model.js';
import { allOperations, Authorizer, type AuthorizerSettings } from '../../src/metadata/authorizer.js';

const { READ, WRITE, DESCRIBE, ALL, ALTER_CONFIGS, DESCRIBE_CONFIGS, CREATE, DELETE, ALTER } = AclOperation;
const { ALLOW, DENY } = AclPermissionType;
const { LITERAL, PREFIXED } = PatternType;
const { TOPIC, GROUP, CLUSTER } = ResourceType;

const alice = { principal: 'User:alice', host: '10.0.0.1' };
const bob = { principal: 'User:bob', host: '10.0.0.2' };

function acl(partial: Partial<AclBinding> & Pick<AclBinding, 'operation'>): AclBinding {
  return {
    resourceType: TOPIC,
    resourceName: 'orders',
    patternType: LITERAL,
    principal: 'User:alice',
    host: '*',
    permissionType: ALLOW,
    ...partial,
  };
}

function authorizer(acls: readonly AclBinding[], settings: Partial<AuthorizerSettings> = {}): Authorizer {
  const index = new AclIndex();
  acls.forEach((a, i) => expect(index.add({ id: `acl-${i}`, ...a })).toBe(true));
  return new Authorizer(index, {
    superUsers: settings.superUsers ?? new Set(),
    allowEveryoneIfNoAclFound: settings.allowEveryoneIfNoAclFound ?? false,
  });
}

describe('the authorizer', () => {
  it('allows super users everything, over a DENY too', () => {
    const a = authorizer([acl({ operation: ALL, permissionType: DENY, principal: 'User:*' })], {
      superUsers: new Set(['User:admin']),
    });
    expect(a.authorize({ principal: 'User:admin', host: '1.2.3.4' }, WRITE, TOPIC, 'orders')).toBe(true);
    expect(a.authorize({ principal: 'User:admin', host: '1.2.3.4' }, ALTER, CLUSTER, 'kafka-cluster')).toBe(true);
    expect(a.authorize(alice, WRITE, TOPIC, 'orders')).toBe(false);
  });

  it('denies a resource no ACL applies to, unless allow.everyone.if.no.acl.found', () => {
    expect(authorizer([]).authorize(alice, READ, TOPIC, 'orders')).toBe(false);
    const open = authorizer([acl({ operation: READ, resourceName: 'other' })], { allowEveryoneIfNoAclFound: true });
    expect(open.authorize(alice, READ, TOPIC, 'orders')).toBe(true);
    // Once any ACL applies to the resource (to anyone), only the ACLs decide.
    const taken = authorizer([acl({ operation: READ, principal: 'User:bob' })], { allowEveryoneIfNoAclFound: true });
    expect(taken.authorize(alice, READ, TOPIC, 'orders')).toBe(false);
    expect(taken.authorize(bob, READ, TOPIC, 'orders')).toBe(true);
  });

  it('allows what a literal ACL allows, for that principal, operation and resource only', () => {
    const a = authorizer([acl({ operation: WRITE })]);
    expect(a.authorize(alice, WRITE, TOPIC, 'orders')).toBe(true);
    expect(a.authorize(alice, READ, TOPIC, 'orders')).toBe(false);
    expect(a.authorize(bob, WRITE, TOPIC, 'orders')).toBe(false);
    expect(a.authorize(alice, WRITE, TOPIC, 'orders2')).toBe(false);
    expect(a.authorize(alice, WRITE, TOPIC, 'order')).toBe(false);
    expect(a.authorize(alice, READ, GROUP, 'orders')).toBe(false);
  });

  it('lets a DENY win over any ALLOW, whichever pattern each has', () => {
    const a = authorizer([
      acl({ operation: ALL, resourceName: '*' }),
      acl({ operation: WRITE, resourceName: 'ord', patternType: PREFIXED, permissionType: DENY, principal: 'User:*' }),
    ]);
    expect(a.authorize(alice, WRITE, TOPIC, 'orders')).toBe(false);
    expect(a.authorize(alice, READ, TOPIC, 'orders')).toBe(true);
    expect(a.authorize(alice, WRITE, TOPIC, 'payments')).toBe(true);
  });

  it('matches prefixed patterns to every name they begin, and the wildcard to every name', () => {
    const a = authorizer([
      acl({ operation: READ, resourceName: 'team-a.', patternType: PREFIXED }),
      acl({ operation: WRITE, resourceName: '*', principal: 'User:bob' }),
    ]);
    expect(a.authorize(alice, READ, TOPIC, 'team-a.events')).toBe(true);
    expect(a.authorize(alice, READ, TOPIC, 'team-a.')).toBe(true);
    expect(a.authorize(alice, READ, TOPIC, 'team-a')).toBe(false);
    expect(a.authorize(alice, READ, TOPIC, 'team-b.events')).toBe(false);
    expect(a.authorize(bob, WRITE, TOPIC, 'anything')).toBe(true);
    // A prefixed '*' is a prefix like any other, not a wildcard.
    const star = authorizer([acl({ operation: READ, resourceName: '*', patternType: PREFIXED })]);
    expect(star.authorize(alice, READ, TOPIC, 'orders')).toBe(false);
    expect(star.authorize(alice, READ, TOPIC, '*orders')).toBe(true);
  });

  it('matches User:* to every principal and * to every host; a named host only to itself', () => {
    const a = authorizer([acl({ operation: READ, principal: 'User:*' }), acl({ operation: WRITE, host: '10.0.0.1' })]);
    expect(a.authorize(bob, READ, TOPIC, 'orders')).toBe(true);
    expect(a.authorize({ principal: 'User:ANONYMOUS', host: '::1' }, READ, TOPIC, 'orders')).toBe(true);
    expect(a.authorize(alice, WRITE, TOPIC, 'orders')).toBe(true);
    expect(a.authorize({ ...alice, host: '10.0.0.9' }, WRITE, TOPIC, 'orders')).toBe(false);
  });

  it('lets ALLOW of READ, WRITE, DELETE or ALTER imply DESCRIBE, and ALTER_CONFIGS imply DESCRIBE_CONFIGS', () => {
    for (const operation of [READ, WRITE, DELETE, ALTER]) {
      expect(authorizer([acl({ operation })]).authorize(alice, DESCRIBE, TOPIC, 'orders')).toBe(true);
    }
    expect(authorizer([acl({ operation: CREATE })]).authorize(alice, DESCRIBE, TOPIC, 'orders')).toBe(false);
    expect(authorizer([acl({ operation: ALTER_CONFIGS })]).authorize(alice, DESCRIBE_CONFIGS, TOPIC, 'orders')).toBe(
      true,
    );
    expect(authorizer([acl({ operation: ALL })]).authorize(alice, DELETE, TOPIC, 'orders')).toBe(true);
    // A DENY implies nothing: denying READ leaves DESCRIBE to the ALLOWs.
    const a = authorizer([acl({ operation: READ, permissionType: DENY }), acl({ operation: DESCRIBE })]);
    expect(a.authorize(alice, DESCRIBE, TOPIC, 'orders')).toBe(true);
    expect(a.authorize(alice, READ, TOPIC, 'orders')).toBe(false);
    // ...but a DENY of ALL refuses every operation.
    expect(
      authorizer([acl({ operation: ALL, permissionType: DENY })]).authorize(alice, DESCRIBE, TOPIC, 'orders'),
    ).toBe(false);
  });

  it('authorizes by resource type as InitProducerId needs: some ALLOW no DENY of the same principal covers', () => {
    expect(authorizer([acl({ operation: WRITE, resourceName: 'x' })]).authorizeAny(alice, WRITE, TOPIC)).toBe(true);
    expect(authorizer([acl({ operation: READ, resourceName: 'x' })]).authorizeAny(alice, WRITE, TOPIC)).toBe(false);
    expect(authorizer([acl({ operation: WRITE, principal: 'User:bob' })]).authorizeAny(alice, WRITE, TOPIC)).toBe(
      false,
    );
    const literalDenied = authorizer([acl({ operation: WRITE }), acl({ operation: WRITE, permissionType: DENY })]);
    expect(literalDenied.authorizeAny(alice, WRITE, TOPIC)).toBe(false);
    const prefixDenied = authorizer([
      acl({ operation: WRITE, resourceName: 'team-a.x' }),
      acl({ operation: WRITE, resourceName: 'team-', patternType: PREFIXED, permissionType: DENY }),
    ]);
    expect(prefixDenied.authorizeAny(alice, WRITE, TOPIC)).toBe(false);
    const wildcardDenied = authorizer([
      acl({ operation: WRITE }),
      acl({ operation: ALL, resourceName: '*', permissionType: DENY }),
    ]);
    expect(wildcardDenied.authorizeAny(alice, WRITE, TOPIC)).toBe(false);
    expect(authorizer([]).authorizeAny(alice, WRITE, TOPIC)).toBe(false);
    expect(authorizer([], { allowEveryoneIfNoAclFound: true }).authorizeAny(alice, WRITE, TOPIC)).toBe(true);
    expect(authorizer([], { superUsers: new Set(['User:alice']) }).authorizeAny(alice, WRITE, TOPIC)).toBe(true);
  });

  it('reports authorized operations as Kafka’s bit set (bit n for operation code n)', () => {
    const a = authorizer([acl({ operation: READ }), acl({ operation: ALTER_CONFIGS })]);
    const bits = a.authorizedOperations(alice, TOPIC, 'orders');
    expect(bits).toBe((1 << READ) | (1 << DESCRIBE) | (1 << ALTER_CONFIGS) | (1 << DESCRIBE_CONFIGS));
    expect(allOperations(GROUP)).toBe((1 << READ) | (1 << DESCRIBE) | (1 << DELETE));
  });
});
