// The ACL index must decide exactly what a scan of every ACL decides (checked against a
// brute-force oracle over random ACL sets and requests), and keep add/remove consistent. It also
// prints what the index saves over a scan on a produce-like workload: a measurement to read, not
// an assertion (the machines are shared and noisy).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AclIndex, type StoredAcl } from '../../src/metadata/acl-index.js';
import {
  type AclBinding,
  AclOperation,
  AclPermissionType,
  PatternType,
  ResourceType,
} from '../../src/metadata/acl-model.js';
import { Authorizer, type Requester } from '../../src/metadata/authorizer.js';

/** The rule written as plainly as possible: look at every ACL. */
function scanAuthorize(
  acls: readonly AclBinding[],
  requester: Requester,
  operation: number,
  resourceType: number,
  name: string,
): boolean {
  let found = false;
  let allowed = false;
  for (const acl of acls) {
    if (acl.resourceType !== resourceType) continue;
    const applies =
      acl.patternType === PatternType.LITERAL
        ? acl.resourceName === name || acl.resourceName === '*'
        : name.startsWith(acl.resourceName);
    if (!applies) continue;
    found = true;
    if (acl.principal !== requester.principal && acl.principal !== 'User:*') continue;
    if (acl.host !== '*' && acl.host !== requester.host) continue;
    const allow = acl.permissionType === AclPermissionType.ALLOW;
    const implied =
      allow &&
      ((operation === AclOperation.DESCRIBE && [3, 4, 6, 7, 8].includes(acl.operation)) ||
        (operation === AclOperation.DESCRIBE_CONFIGS && [10, 11].includes(acl.operation)));
    if (acl.operation !== AclOperation.ALL && acl.operation !== operation && !implied) continue;
    if (!allow) return false;
    allowed = true;
  }
  return allowed || !found;
}

const names = ['a', 'ab', 'abc', 'b', 'ba', '*', 'abcd', 'x'];
const binding = fc.record({
  resourceType: fc.constantFrom(ResourceType.TOPIC, ResourceType.GROUP),
  resourceName: fc.constantFrom(...names),
  patternType: fc.constantFrom(PatternType.LITERAL, PatternType.PREFIXED),
  principal: fc.constantFrom('User:alice', 'User:bob', 'User:*'),
  host: fc.constantFrom('*', '10.0.0.1', '10.0.0.2'),
  operation: fc.constantFrom(AclOperation.ALL, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE),
  permissionType: fc.constantFrom(AclPermissionType.ALLOW, AclPermissionType.DENY),
}) as fc.Arbitrary<AclBinding>;

function indexOf(acls: readonly AclBinding[]): AclIndex {
  const index = new AclIndex();
  acls.forEach((acl, i) => index.add({ id: String(i), ...acl }));
  return index;
}

describe('the ACL index', () => {
  it('decides as a scan of every ACL does', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(binding, { selector: (b) => JSON.stringify(b), maxLength: 30 }),
        fc.constantFrom('User:alice', 'User:bob'),
        fc.constantFrom('10.0.0.1', '10.0.0.2'),
        fc.constantFrom(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE),
        fc.constantFrom(ResourceType.TOPIC, ResourceType.GROUP),
        fc.constantFrom('a', 'ab', 'abcde', 'b', 'x', 'z', '*'),
        (acls, principal, host, operation, resourceType, name) => {
          const authorizer = new Authorizer(indexOf(acls), {
            superUsers: new Set(),
            allowEveryoneIfNoAclFound: true,
          });
          const requester = { principal, host };
          expect(authorizer.authorize(requester, operation, resourceType, name)).toBe(
            scanAuthorize(acls, requester, operation, resourceType, name),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('forgets what is removed, and refuses a second copy of an ACL', () => {
    const requester = { principal: 'User:alice', host: '10.0.0.1' };
    const settings = { superUsers: new Set<string>(), allowEveryoneIfNoAclFound: true };
    fc.assert(
      fc.property(
        fc.uniqueArray(binding, { selector: (b) => JSON.stringify(b), minLength: 1, maxLength: 20 }),
        (acls) => {
          const index = indexOf(acls);
          expect(index.add({ id: 'another id', ...acls[0]! })).toBe(false);
          acls.forEach((_, i) => {
            if (i % 2 === 1) expect(index.remove(String(i))).toBeDefined();
          });
          const kept = acls.filter((_, i) => i % 2 === 0);
          expect(index.size).toBe(kept.length);
          const removedAll = new Authorizer(index, settings);
          const fresh = new Authorizer(indexOf(kept), settings);
          for (const name of ['a', 'abc', 'abcde', 'b', 'x', '*']) {
            for (const type of [ResourceType.TOPIC, ResourceType.GROUP]) {
              expect(removedAll.authorize(requester, AclOperation.READ, type, name)).toBe(
                fresh.authorize(requester, AclOperation.READ, type, name),
              );
            }
          }
        },
      ),
    );
  });

  it('authorizes a produce-like workload without scanning every ACL (printed, not asserted)', () => {
    // 5,000 topics each with a literal WRITE for its owner, 500 prefixed READs of varied lengths,
    // and a wildcard DESCRIBE: a large but ordinary deployment.
    const acls: StoredAcl[] = [];
    for (let i = 0; i < 5000; i++) {
      acls.push({
        id: `w${i}`,
        resourceType: ResourceType.TOPIC,
        resourceName: `tenant-${i % 100}.topic-${i}`,
        patternType: PatternType.LITERAL,
        principal: `User:tenant-${i % 100}`,
        host: '*',
        operation: AclOperation.WRITE,
        permissionType: AclPermissionType.ALLOW,
      });
    }
    for (let i = 0; i < 500; i++) {
      acls.push({
        id: `p${i}`,
        resourceType: ResourceType.TOPIC,
        resourceName: `tenant-${i % 100}.`.slice(0, 4 + (i % 8)),
        patternType: PatternType.PREFIXED,
        principal: `User:reader-${i}`,
        host: '*',
        operation: AclOperation.READ,
        permissionType: AclPermissionType.ALLOW,
      });
    }
    const index = new AclIndex();
    for (const acl of acls) index.add(acl);
    const authorizer = new Authorizer(index, { superUsers: new Set(), allowEveryoneIfNoAclFound: false });
    const checks = 200_000;
    // Requests made up front, so only the authorizer is timed.
    const requesters = Array.from({ length: 100 }, (_, t) => ({ principal: `User:tenant-${t}`, host: '127.0.0.1' }));
    const topics = Array.from({ length: 5000 }, (_, i) => `tenant-${i % 100}.topic-${i}`);
    const request = (i: number) => requesters[i % 100]!;
    let allowed = 0;
    const started = performance.now();
    for (let i = 0; i < checks; i++) {
      if (authorizer.authorize(request(i), AclOperation.WRITE, ResourceType.TOPIC, topics[i % 5000]!)) allowed++;
    }
    const indexedMs = performance.now() - started;
    const scanChecks = 2_000;
    const scanStarted = performance.now();
    for (let i = 0; i < scanChecks; i++) {
      scanAuthorize(acls, request(i), AclOperation.WRITE, ResourceType.TOPIC, topics[i % 5000]!);
    }
    const scanMs = performance.now() - scanStarted;
    const indexedNs = (indexedMs * 1e6) / checks;
    const scanNs = (scanMs * 1e6) / scanChecks;
    console.log(
      `ACL index, ${acls.length} ACLs: ${indexedNs.toFixed(0)} ns per authorization; ` +
        `a scan of every ACL ${scanNs.toFixed(0)} ns (${(scanNs / indexedNs).toFixed(0)}x)`,
    );
    expect(allowed).toBe(checks);
  });
});
