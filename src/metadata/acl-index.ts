// The cluster's ACLs, indexed so an authorization looks at only the ACLs that can apply to the
// request at hand, never the whole list: per resource type, literal names in a map (the wildcard
// `*` is one more key), and prefixed names in a map with the set of prefix lengths present, so a
// name of length L costs one lookup per distinct prefix length up to L; under each name the ACLs
// are kept by principal, so only the requester's and User:*'s are read. A produce-heavy workload
// authorizes WRITE on every topic of every request; with thousands of ACLs the cost stays a few
// map lookups (test/metadata/acl-index.test.ts measures it).
import { assert } from '../common/index.js';
import {
  type AclBinding,
  type AclBindingFilter,
  aclKey,
  filterMatches,
  PatternType,
  type ResourceType,
  WILDCARD_PRINCIPAL,
  WILDCARD_RESOURCE,
} from './acl-model.js';

/** An ACL as the metadata log holds it: the binding and the id its record gave it. */
export interface StoredAcl extends AclBinding {
  readonly id: string;
}

/** ACLs by resource name, then by principal: a check looks at its own principal's and User:*'s only. */
class NameIndex {
  private readonly byName = new Map<string, Map<string, StoredAcl[]>>();

  get(name: string): ReadonlyMap<string, readonly StoredAcl[]> | undefined {
    return this.byName.get(name);
  }

  add(acl: StoredAcl): void {
    let byPrincipal = this.byName.get(acl.resourceName);
    if (!byPrincipal) this.byName.set(acl.resourceName, (byPrincipal = new Map<string, StoredAcl[]>()));
    const list = byPrincipal.get(acl.principal);
    if (list) list.push(acl);
    else byPrincipal.set(acl.principal, [acl]);
  }

  /** Removes it; true when no ACL of that name is left. */
  remove(acl: StoredAcl): boolean {
    const byPrincipal = this.byName.get(acl.resourceName);
    const list = byPrincipal?.get(acl.principal);
    const at = list?.findIndex((a) => a.id === acl.id) ?? -1;
    assert(byPrincipal !== undefined && list !== undefined && at >= 0, `ACL ${acl.id} is indexed under its name`);
    list.splice(at, 1);
    if (list.length === 0) byPrincipal.delete(acl.principal);
    if (byPrincipal.size > 0) return false;
    this.byName.delete(acl.resourceName);
    return true;
  }
}

/** The ACLs of one resource type. */
class TypeIndex {
  readonly literal = new NameIndex();
  readonly prefixed = new NameIndex();
  /** How many prefixed names there are of each length, ascending by length. */
  private readonly prefixLengthCounts = new Map<number, number>();
  prefixLengths: readonly number[] = [];
  size = 0;

  add(acl: StoredAcl): void {
    this.size++;
    if (acl.patternType === PatternType.LITERAL) {
      this.literal.add(acl);
      return;
    }
    if (this.prefixed.get(acl.resourceName) === undefined) this.countPrefixLength(acl.resourceName.length, +1);
    this.prefixed.add(acl);
  }

  remove(acl: StoredAcl): void {
    this.size--;
    if (acl.patternType === PatternType.LITERAL) {
      this.literal.remove(acl);
      return;
    }
    if (this.prefixed.remove(acl)) this.countPrefixLength(acl.resourceName.length, -1);
  }

  private countPrefixLength(length: number, delta: number): void {
    const count = (this.prefixLengthCounts.get(length) ?? 0) + delta;
    assert(count >= 0, 'prefix length counts never go negative');
    if (count === 0) this.prefixLengthCounts.delete(length);
    else this.prefixLengthCounts.set(length, count);
    this.prefixLengths = [...this.prefixLengthCounts.keys()].sort((a, b) => a - b);
  }
}

export class AclIndex {
  private readonly byId = new Map<string, StoredAcl>();
  /** The id of each distinct binding: creating an ACL that exists is a no-op, as in Kafka. */
  private readonly idByKey = new Map<string, string>();
  private readonly byType = new Map<number, TypeIndex>();

  get size(): number {
    return this.byId.size;
  }

  all(): StoredAcl[] {
    return [...this.byId.values()];
  }

  has(binding: AclBinding): boolean {
    return this.idByKey.has(aclKey(binding));
  }

  /** Adds an ACL; false (and nothing changes) when its id or an equal binding is already there. */
  add(acl: StoredAcl): boolean {
    const key = aclKey(acl);
    if (this.byId.has(acl.id) || this.idByKey.has(key)) return false;
    this.byId.set(acl.id, acl);
    this.idByKey.set(key, acl.id);
    let index = this.byType.get(acl.resourceType);
    if (!index) this.byType.set(acl.resourceType, (index = new TypeIndex()));
    index.add(acl);
    return true;
  }

  remove(id: string): StoredAcl | undefined {
    const acl = this.byId.get(id);
    if (!acl) return undefined;
    this.byId.delete(id);
    this.idByKey.delete(aclKey(acl));
    const index = this.byType.get(acl.resourceType);
    assert(index !== undefined, `ACL ${id} is indexed under its resource type`);
    index.remove(acl);
    if (index.size === 0) this.byType.delete(acl.resourceType);
    return acl;
  }

  clear(): void {
    this.byId.clear();
    this.idByKey.clear();
    this.byType.clear();
  }

  /** The ACLs a filter selects (DescribeAcls, DeleteAcls): a scan, for admin requests only. */
  matching(filter: AclBindingFilter): StoredAcl[] {
    return this.all().filter((acl) => filterMatches(filter, acl));
  }

  /** Whether any ACL at all exists on resources of this type. */
  hasType(resourceType: ResourceType): boolean {
    return this.byType.has(resourceType);
  }

  /** Every ACL on resources of this type (authorization by resource type). */
  ofType(resourceType: ResourceType): StoredAcl[] {
    return this.all().filter((acl) => acl.resourceType === resourceType);
  }

  /**
   * Calls `visit` with every ACL of `principal` or of User:* whose pattern applies to the named
   * resource: the literal name, the literal wildcard, and each prefixed name that begins it. Stops
   * when `visit` returns true (a deny decides). Returns whether any ACL at all (of any principal)
   * applies to the resource, which is what allow.everyone.if.no.acl.found asks.
   */
  forEachApplying(
    resourceType: ResourceType,
    name: string,
    principal: string,
    visit: (acl: StoredAcl) => boolean,
  ): boolean {
    const index = this.byType.get(resourceType);
    if (!index) return false;
    let found = false;
    const visitAll = (byPrincipal: ReadonlyMap<string, readonly StoredAcl[]> | undefined): boolean => {
      if (!byPrincipal) return false;
      found = true;
      for (const acl of byPrincipal.get(principal) ?? []) if (visit(acl)) return true;
      if (principal === WILDCARD_PRINCIPAL) return false;
      for (const acl of byPrincipal.get(WILDCARD_PRINCIPAL) ?? []) if (visit(acl)) return true;
      return false;
    };
    if (visitAll(index.literal.get(name))) return true;
    if (name !== WILDCARD_RESOURCE && visitAll(index.literal.get(WILDCARD_RESOURCE))) return true;
    for (const length of index.prefixLengths) {
      if (length > name.length) break;
      if (visitAll(index.prefixed.get(length === name.length ? name : name.slice(0, length)))) return true;
    }
    return found;
  }
}
