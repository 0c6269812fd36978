// What the controller records for CreateAcls, DeleteAcls and AlterClientQuotas, decided against
// the current state: per item a result, and the records of all items that succeed, proposed as
// one metadata entry (Kafka's AclControlManager and ClientQuotaControlManager). Pure functions of
// the state, so they run the same whether the request came to this node or was forwarded.
import { randomUUID } from 'node:crypto';
import { ErrorCode, errorCodeOf, KafkaError, limits } from '../common/index.js';
import type { StoredAcl } from './acl-index.js';
import { type AclBinding, type AclBindingFilter, aclKey, validateAclBinding, validateAclFilter } from './acl-model.js';
import { entityOfParts, partsOfEntity, type QuotaEntityPart, validateQuotaValue } from './client-quotas.js';
import type { MetadataRecord } from './records.js';
import type { MetadataState } from './state.js';

export interface ItemResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface AclDeletionResult extends ItemResult {
  readonly matchingAcls: readonly StoredAcl[];
}

export interface QuotaAlteration {
  readonly entity: readonly QuotaEntityPart[];
  readonly ops: readonly { readonly key: string; readonly value: number; readonly remove: boolean }[];
}

export interface QuotaAlterationResult extends ItemResult {
  readonly entity: readonly QuotaEntityPart[];
}

export interface Plan<R> {
  readonly records: MetadataRecord[];
  readonly results: R[];
}

const OK: ItemResult = { errorCode: ErrorCode.NONE, errorMessage: null };

function failure(err: unknown): ItemResult {
  if (!(err instanceof KafkaError)) throw err;
  return { errorCode: errorCodeOf(err), errorMessage: err.message };
}

/** One record per new ACL; an ACL that exists already succeeds without one, as in Kafka. */
export function planAclCreation(state: MetadataState, acls: readonly AclBinding[]): Plan<ItemResult> {
  if (acls.length > limits.aclsPerRequestMax) {
    const error = failure(
      new KafkaError(ErrorCode.INVALID_REQUEST, `more than ${limits.aclsPerRequestMax} ACLs in one request`),
    );
    return { records: [], results: acls.map(() => error) };
  }
  const records: MetadataRecord[] = [];
  const planned = new Set<string>();
  const results = acls.map((acl): ItemResult => {
    try {
      validateAclBinding(acl);
      const key = aclKey(acl);
      if (state.acls.has(acl) || planned.has(key)) return OK;
      if (state.acls.size + planned.size >= limits.aclsMax) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `the cluster holds the most ACLs it may (${limits.aclsMax})`);
      }
      planned.add(key);
      records.push({ type: 'AccessControlEntry', id: randomUUID(), acl: copyBinding(acl) });
      return OK;
    } catch (err) {
      return failure(err);
    }
  });
  return { records, results };
}

/** Removes every ACL some valid filter selects; each filter reports the ACLs it matched. */
export function planAclDeletion(state: MetadataState, filters: readonly AclBindingFilter[]): Plan<AclDeletionResult> {
  const removed = new Set<string>();
  const results = filters.map((filter): AclDeletionResult => {
    try {
      validateAclFilter(filter);
      const matchingAcls = state.acls.matching(filter);
      for (const acl of matchingAcls) removed.add(acl.id);
      return { ...OK, matchingAcls };
    } catch (err) {
      return { ...failure(err), matchingAcls: [] };
    }
  });
  if (removed.size > limits.aclsPerRequestMax) {
    const message = `the filters match ${removed.size} ACLs, more than ${limits.aclsPerRequestMax}: use narrower ones`;
    return {
      records: [],
      results: results.map(() => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message, matchingAcls: [] })),
    };
  }
  return { records: [...removed].map((id) => ({ type: 'RemoveAccessControlEntry', id })), results };
}

/**
 * Sets and removes quotas per entity (Kafka's alterClientQuotaEntity): an entity with a bad key or
 * value, a key given twice, or given twice itself, fails whole and records nothing; a value equal
 * to the current one records nothing either.
 */
export function planClientQuotas(
  state: MetadataState,
  alterations: readonly QuotaAlteration[],
): Plan<QuotaAlterationResult> {
  const records: MetadataRecord[] = [];
  const seen = new Set<string>();
  const results = alterations.map((alteration): QuotaAlterationResult => {
    try {
      const entity = entityOfParts(alteration.entity);
      const key = JSON.stringify(partsOfEntity(entity));
      if (seen.has(key)) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'ignoring duplicate entity');
      seen.add(key);
      const keys = new Set<string>();
      const entityRecords: MetadataRecord[] = [];
      const current = state.clientQuotas.get(entity) as Readonly<Record<string, number | undefined>>;
      for (const op of alteration.ops) {
        if (keys.has(op.key)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `duplicate quota key ${op.key}`);
        keys.add(op.key);
        if (op.remove) {
          if (current[op.key] !== undefined)
            entityRecords.push({ type: 'ClientQuota', entity, key: op.key, value: null });
          continue;
        }
        validateQuotaValue(op.key, op.value);
        if (current[op.key] !== op.value)
          entityRecords.push({ type: 'ClientQuota', entity, key: op.key, value: op.value });
      }
      const isNew = !state.clientQuotas.has(entity) && entityRecords.length > 0;
      if (isNew && state.clientQuotas.size >= limits.clientQuotaEntitiesMax) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `more than ${limits.clientQuotaEntitiesMax} quota entities`);
      }
      records.push(...entityRecords);
      return { ...OK, entity: alteration.entity };
    } catch (err) {
      return { ...failure(err), entity: alteration.entity };
    }
  });
  return { records, results };
}

function copyBinding(acl: AclBinding): AclBinding {
  return {
    resourceType: acl.resourceType,
    resourceName: acl.resourceName,
    patternType: acl.patternType,
    principal: acl.principal,
    host: acl.host,
    operation: acl.operation,
    permissionType: acl.permissionType,
  };
}
