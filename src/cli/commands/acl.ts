// brook acl create|list|delete — kafka-acls.sh over CreateAcls, DescribeAcls and DeleteAcls, in
// Kafka's names: a principal (User:alice, User:*) allowed or denied operations on a resource
// (--topic, --group, --transactional-id, --cluster), literal or --prefixed, from a host (* by
// default). list and delete take the same flags as a filter, an absent flag matching anything;
// delete refuses an empty filter (it would remove every ACL) and prints what it removed.
import { Command, InvalidArgumentError } from 'commander';
import {
  type AclBinding,
  type AclFilter,
  ClientError,
  describeAcl,
  type OperationName,
  type ResourceTypeName,
  SecurityAdmin,
} from '../../client/index.js';
import { type ConnectionFlags, withClient, withConnection } from '../connection.js';
import { json, note, out, table } from '../output.js';

const OPERATIONS: readonly OperationName[] = [
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
];

function operations(raw: string, previous: OperationName[] = []): OperationName[] {
  const parsed = raw.split(',').map((o) => o.trim().toUpperCase().replace(/-/g, '_'));
  for (const o of parsed) {
    if (!(OPERATIONS as readonly string[]).includes(o))
      throw new InvalidArgumentError(`one of ${OPERATIONS.join(', ')}`);
  }
  return [...previous, ...(parsed as OperationName[])];
}

function principal(raw: string): string {
  if (!/^[A-Za-z]+:.+$/.test(raw)) throw new InvalidArgumentError('a principal such as User:alice or User:*');
  return raw;
}

interface AclFlags extends ConnectionFlags {
  readonly principal?: string;
  readonly host?: string;
  readonly operation?: OperationName[];
  readonly deny?: boolean;
  readonly topic?: string;
  readonly group?: string;
  readonly transactionalId?: string;
  readonly cluster?: boolean;
  readonly prefixed?: boolean;
}

function resourceOf(flags: AclFlags): { type: ResourceTypeName; name: string } | null {
  const given: { type: ResourceTypeName; name: string }[] = [];
  if (flags.topic !== undefined) given.push({ type: 'TOPIC', name: flags.topic });
  if (flags.group !== undefined) given.push({ type: 'GROUP', name: flags.group });
  if (flags.transactionalId !== undefined) given.push({ type: 'TRANSACTIONAL_ID', name: flags.transactionalId });
  if (flags.cluster === true) given.push({ type: 'CLUSTER', name: 'kafka-cluster' });
  if (given.length > 1) throw new ClientError('give one of --topic, --group, --transactional-id and --cluster');
  return given[0] ?? null;
}

function withAclOptions(command: Command, creating: boolean): Command {
  return withConnection(
    command
      .option('--principal <principal>', 'User:alice, or User:* for everyone', principal)
      .option('--host <host>', creating ? 'the client host (default: *, any)' : 'only ACLs for this host')
      .option('--operation <ops>', 'READ, WRITE, DESCRIBE, ... (repeatable, or comma-separated)', operations)
      .option('--deny', creating ? 'deny rather than allow' : 'only DENY ACLs')
      .option('--topic <name>', 'a topic (with --prefixed: topics starting so)')
      .option('--group <id>', 'a consumer group')
      .option('--transactional-id <id>', 'a transactional id')
      .option('--cluster', 'the cluster')
      .option('--prefixed', 'the resource name is a prefix'),
  );
}

function aclRows(acls: readonly AclBinding[]): string {
  return table(
    ['PRINCIPAL', 'HOST', 'OPERATION', 'PERMISSION', 'RESOURCE', 'NAME', 'PATTERN'],
    acls.map((a) => [a.principal, a.host, a.operation, a.permission, a.resourceType, a.resourceName, a.patternType]),
  );
}

function filterOf(flags: AclFlags): AclFilter[] {
  const resource = resourceOf(flags);
  const ops: (OperationName | 'ANY')[] = flags.operation ?? ['ANY'];
  return ops.map((operation) => ({
    resourceType: resource?.type ?? 'ANY',
    resourceName: resource?.name ?? null,
    patternType: resource === null ? 'ANY' : flags.prefixed === true ? 'PREFIXED' : 'LITERAL',
    principal: flags.principal ?? null,
    host: flags.host ?? null,
    operation,
    permission: flags.deny === true ? 'DENY' : 'ANY',
  }));
}

export function aclCommand(): Command {
  const acl = new Command('acl').description('ACLs: create, list, delete');

  withAclOptions(
    acl.command('create').description('allow (or --deny) a principal operations on a resource'),
    true,
  ).action(async (flags: AclFlags) => {
    const resource = resourceOf(flags);
    if (resource === null)
      throw new ClientError('name the resource: --topic, --group, --transactional-id or --cluster');
    if (flags.principal === undefined) throw new ClientError('name the principal: --principal User:alice');
    if (flags.operation === undefined) throw new ClientError('name the operations: --operation READ,WRITE');
    const bindings: AclBinding[] = flags.operation.map((operation) => ({
      resourceType: resource.type,
      resourceName: resource.name,
      patternType: flags.prefixed === true ? 'PREFIXED' : 'LITERAL',
      principal: flags.principal!,
      host: flags.host ?? '*',
      operation,
      permission: flags.deny === true ? 'DENY' : 'ALLOW',
    }));
    await withClient(flags, async (client) => {
      await new SecurityAdmin(client).createAcls(bindings);
      if (flags.output === 'json') return out(json(bindings));
      out(bindings.map((b) => `created ${describeAcl(b)}\n`).join(''));
    });
  });

  withAclOptions(acl.command('list').description('ACLs, every one or those the flags match'), false).action(
    async (flags: AclFlags) => {
      await withClient(flags, async (client) => {
        const admin = new SecurityAdmin(client);
        const found = (await Promise.all(filterOf(flags).map((f) => admin.describeAcls(f)))).flat();
        if (flags.output === 'json') return out(json(found));
        out(aclRows(found));
      });
    },
  );

  withAclOptions(acl.command('delete').description('delete the ACLs the flags match (and print them)'), false).action(
    async (flags: AclFlags) => {
      if (resourceOf(flags) === null && flags.principal === undefined) {
        throw new ClientError('name a resource or a principal: an empty filter would delete every ACL');
      }
      await withClient(flags, async (client) => {
        const admin = new SecurityAdmin(client);
        const deleted = (await Promise.all(filterOf(flags).map((f) => admin.deleteAcls(f)))).flat();
        if (flags.output === 'json') return out(json(deleted));
        out(aclRows(deleted));
        note(`deleted ${deleted.length} ACL${deleted.length === 1 ? '' : 's'}`);
      });
    },
  );

  return acl;
}
