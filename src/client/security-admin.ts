// The admin calls for users and ACLs, beside Admin so that its API stays as it was: SCRAM users
// (DescribeUserScramCredentials, AlterUserScramCredentials — the client salts and hashes the
// password, Hi() of RFC 5802, so only derived keys leave this process) and ACLs (CreateAcls,
// DescribeAcls, DeleteAcls) in Kafka's model and names. Any broker answers; it forwards what the
// controller must decide.
import { pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type {
  AlterUserScramCredentialsResponse,
  CreateAclsResponse,
  DeleteAclsResponse,
  DescribeAclsResponse,
  DescribeUserScramCredentialsResponse,
} from '../kafka/index.js';
import {
  AclOperation,
  AclPermissionType,
  PatternType,
  ResourceType,
  SCRAM_MECHANISM_CODES,
  type ScramMechanism,
  scramMechanismOfCode,
} from '../metadata/index.js';
import { Api } from './api-versions.js';
import type { KafkaClient } from './client.js';
import { check, ClientError } from './errors.js';

const derive = promisify(pbkdf2);
const SALT_BYTES = 32;
const HASHES: Readonly<Record<ScramMechanism, { readonly name: string; readonly bytes: number }>> = {
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { name: 'sha512', bytes: 64 },
};
/** Kafka's default iteration count for kafka-configs.sh --add-config SCRAM-...=[password=...]. */
export const SCRAM_ITERATIONS_DEFAULT = 8192;

export type ResourceTypeName = keyof typeof ResourceType;
export type OperationName = keyof typeof AclOperation;
export type PermissionName = keyof typeof AclPermissionType;
export type PatternName = keyof typeof PatternType;

export interface UserCredential {
  readonly user: string;
  readonly mechanism: ScramMechanism;
  readonly iterations: number;
}

export interface AclBinding {
  readonly resourceType: ResourceTypeName;
  readonly resourceName: string;
  readonly patternType: PatternName;
  /** `User:alice`, or `User:*`. */
  readonly principal: string;
  /** `*` for every host. */
  readonly host: string;
  readonly operation: OperationName;
  readonly permission: PermissionName;
}

/** A filter of DescribeAcls and DeleteAcls: a null field matches anything (ANY for the enums). */
export interface AclFilter {
  readonly resourceType: ResourceTypeName;
  readonly resourceName: string | null;
  readonly patternType: PatternName;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: OperationName;
  readonly permission: PermissionName;
}

export const ACL_FILTER_ANY: AclFilter = {
  resourceType: 'ANY',
  resourceName: null,
  patternType: 'ANY',
  principal: null,
  host: null,
  operation: 'ANY',
  permission: 'ANY',
};

function nameOf<T extends Readonly<Record<string, number>>>(codes: T, code: number): keyof T & string {
  const found = Object.entries(codes).find(([, c]) => c === code);
  return found?.[0] ?? 'UNKNOWN';
}

function filterBody(filter: AclFilter) {
  return {
    resourceTypeFilter: ResourceType[filter.resourceType],
    resourceNameFilter: filter.resourceName,
    patternTypeFilter: PatternType[filter.patternType],
    principalFilter: filter.principal,
    hostFilter: filter.host,
    operation: AclOperation[filter.operation],
    permissionType: AclPermissionType[filter.permission],
  };
}

export class SecurityAdmin {
  constructor(private readonly client: KafkaClient) {}

  /** Every user's SCRAM credentials (mechanism and iterations; never a salt or key), or those of `users`. */
  async describeUsers(users: readonly string[] | null = null): Promise<UserCredential[]> {
    return this.client.retrying(async () => {
      const answer = await (
        await this.client.any()
      ).send<DescribeUserScramCredentialsResponse>(Api.DescribeUserScramCredentials, {
        users: users === null ? null : users.map((name) => ({ name })),
      });
      check(answer.errorCode, 'describe users', answer.errorMessage);
      const out: UserCredential[] = [];
      for (const result of answer.results) {
        check(result.errorCode, `user ${result.user}`, result.errorMessage);
        for (const info of result.credentialInfos) {
          const mechanism = scramMechanismOfCode(info.mechanism);
          if (mechanism) out.push({ user: result.user, mechanism, iterations: info.iterations });
        }
      }
      return out.sort((a, b) => a.user.localeCompare(b.user) || a.mechanism.localeCompare(b.mechanism));
    });
  }

  /** Creates the user's credential for `mechanism`, or replaces it (a new password). */
  async upsertUser(user: string, password: string, mechanism: ScramMechanism, iterations: number): Promise<void> {
    const salt = randomBytes(SALT_BYTES);
    const hash = HASHES[mechanism];
    const saltedPassword = await derive(password, salt, iterations, hash.bytes, hash.name);
    await this.alterUsers({
      deletions: [],
      upsertions: [{ name: user, mechanism: SCRAM_MECHANISM_CODES[mechanism], iterations, salt, saltedPassword }],
    });
  }

  async deleteUser(user: string, mechanisms: readonly ScramMechanism[]): Promise<void> {
    await this.alterUsers({
      deletions: mechanisms.map((m) => ({ name: user, mechanism: SCRAM_MECHANISM_CODES[m] })),
      upsertions: [],
    });
  }

  private async alterUsers(body: object): Promise<void> {
    await this.client.retrying(async () => {
      const answer = await (
        await this.client.any()
      ).send<AlterUserScramCredentialsResponse>(Api.AlterUserScramCredentials, body);
      for (const result of answer.results) check(result.errorCode, `user ${result.user}`, result.errorMessage);
    });
  }

  async createAcls(bindings: readonly AclBinding[]): Promise<void> {
    await this.client.retrying(async () => {
      const answer = await (
        await this.client.any()
      ).send<CreateAclsResponse>(Api.CreateAcls, {
        creations: bindings.map((b) => ({
          resourceType: ResourceType[b.resourceType],
          resourceName: b.resourceName,
          resourcePatternType: PatternType[b.patternType],
          principal: b.principal,
          host: b.host,
          operation: AclOperation[b.operation],
          permissionType: AclPermissionType[b.permission],
        })),
      });
      if (answer.results.length !== bindings.length) throw new ClientError('create ACLs: not every ACL was answered');
      answer.results.forEach((r, i) => check(r.errorCode, `ACL ${describeAcl(bindings[i]!)}`, r.errorMessage));
    });
  }

  async describeAcls(filter: AclFilter = ACL_FILTER_ANY): Promise<AclBinding[]> {
    return this.client.retrying(async () => {
      const answer = await (await this.client.any()).send<DescribeAclsResponse>(Api.DescribeAcls, filterBody(filter));
      check(answer.errorCode, 'describe ACLs', answer.errorMessage);
      return answer.resources.flatMap((r) =>
        r.acls.map((a): AclBinding => ({
          resourceType: nameOf(ResourceType, r.resourceType),
          resourceName: r.resourceName,
          patternType: nameOf(PatternType, r.patternType),
          principal: a.principal,
          host: a.host,
          operation: nameOf(AclOperation, a.operation),
          permission: nameOf(AclPermissionType, a.permissionType),
        })),
      );
    });
  }

  /** Deletes every ACL `filter` matches, and returns them. */
  async deleteAcls(filter: AclFilter): Promise<AclBinding[]> {
    return this.client.retrying(async () => {
      const answer = await (
        await this.client.any()
      ).send<DeleteAclsResponse>(Api.DeleteAcls, { filters: [filterBody(filter)] });
      const result = answer.filterResults[0];
      if (!result) throw new ClientError("delete ACLs: not in the broker's answer");
      check(result.errorCode, 'delete ACLs', result.errorMessage);
      return result.matchingAcls.map((a) => {
        check(a.errorCode, 'delete ACL', a.errorMessage);
        return {
          resourceType: nameOf(ResourceType, a.resourceType),
          resourceName: a.resourceName,
          patternType: nameOf(PatternType, a.patternType),
          principal: a.principal,
          host: a.host,
          operation: nameOf(AclOperation, a.operation),
          permission: nameOf(AclPermissionType, a.permissionType),
        };
      });
    });
  }
}

/** `ALLOW User:alice READ on TOPIC orders (LITERAL) from *`. */
export function describeAcl(b: AclBinding): string {
  return `${b.permission} ${b.principal} ${b.operation} on ${b.resourceType} ${b.resourceName} (${b.patternType}) from ${b.host}`;
}
