// brook user create|delete|list — SCRAM users, as kafka-configs.sh --entity-type users
// --add-config 'SCRAM-SHA-256=[password=...]' makes them, over AlterUserScramCredentials and
// DescribeUserScramCredentials. The password is salted and hashed here; it is read from
// --password, or from the first line of stdin with --password-stdin (so it stays out of `ps`).
import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { ClientError, SCRAM_ITERATIONS_DEFAULT, SecurityAdmin } from '../../client/index.js';
import { type ConnectionFlags, withClient, withConnection } from '../connection.js';
import { json, out, table } from '../output.js';
import { integer } from '../parse.js';
import { report } from './topic.js';

const MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
type Mechanism = (typeof MECHANISMS)[number];

async function firstLineOfStdin(): Promise<string> {
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of input) {
    input.close();
    return line;
  }
  throw new ClientError('--password-stdin: stdin was empty');
}

interface CreateFlags extends ConnectionFlags {
  readonly password?: string;
  readonly passwordStdin?: boolean;
  readonly mechanism: Mechanism;
  readonly iterations: number;
}

export function userCommand(): Command {
  const user = new Command('user').description('SCRAM users: create (or change a password), delete, list');

  withConnection(
    user
      .command('create <name>')
      .description('create a SCRAM user, or set a new password for one')
      .option('--password <password>', 'the password (visible to ps; --password-stdin is safer)')
      .option('--password-stdin', 'read the password from the first line of stdin')
      .addOption(
        new Option('--mechanism <mechanism>', 'the SCRAM mechanism').choices(MECHANISMS).default(MECHANISMS[0]),
      )
      .option('--iterations <n>', 'PBKDF2 iterations', integer(4096, 16_384), SCRAM_ITERATIONS_DEFAULT),
  ).action(async (name: string, flags: CreateFlags) => {
    if ((flags.password === undefined) === (flags.passwordStdin !== true)) {
      throw new ClientError('give one of --password and --password-stdin');
    }
    const password = flags.password ?? (await firstLineOfStdin());
    if (password === '') throw new ClientError('the password is empty');
    await withClient(flags, async (client) => {
      await new SecurityAdmin(client).upsertUser(name, password, flags.mechanism, flags.iterations);
      report(flags, { user: name, mechanism: flags.mechanism }, `user ${name} has a ${flags.mechanism} password`);
    });
  });

  withConnection(
    user
      .command('delete <name>')
      .description('delete a user’s credentials (every mechanism unless --mechanism)')
      .addOption(new Option('--mechanism <mechanism>', 'only this mechanism').choices(MECHANISMS)),
  ).action(async (name: string, flags: ConnectionFlags & { mechanism?: Mechanism }) => {
    await withClient(flags, async (client) => {
      const admin = new SecurityAdmin(client);
      const mechanisms =
        flags.mechanism !== undefined ? [flags.mechanism] : (await admin.describeUsers([name])).map((c) => c.mechanism);
      if (mechanisms.length === 0) throw new ClientError(`user ${name} has no credentials`);
      await admin.deleteUser(name, mechanisms);
      report(flags, { user: name, deleted: mechanisms }, `deleted ${mechanisms.join(', ')} of user ${name}`);
    });
  });

  withConnection(user.command('list').description('users and their SCRAM mechanisms')).action(
    async (flags: ConnectionFlags) => {
      await withClient(flags, async (client) => {
        const users = await new SecurityAdmin(client).describeUsers();
        if (flags.output === 'json') return out(json(users));
        out(
          table(
            ['USER', 'MECHANISM', 'ITERATIONS'],
            users.map((u) => [u.user, u.mechanism, u.iterations]),
          ),
        );
      });
    },
  );

  return user;
}
