// The value of --bootstrap-users: SCRAM users a node creates at start when they are missing, so a
// fresh secured cluster has an administrator. NAME:PASSWORD,... — the password may hold ':' but
// not ','. Nothing here ever puts a password into an error message.
import { InvalidSettingValue, structured, type ValueType } from './value-types.js';

export interface BootstrapUser {
  readonly name: string;
  readonly password: string;
}

/** Names that need no escaping in a SCRAM exchange, a shell or a list. */
const USER_NAME = /^[A-Za-z0-9._@-]{1,256}$/;
const PASSWORD_LENGTH_MAX = 1024;

function parseUsers(raw: string): BootstrapUser[] {
  const users: BootstrapUser[] = [];
  const parts = raw.split(',').filter((part) => part.trim() !== '');
  parts.forEach((part, index) => {
    const colon = part.indexOf(':');
    const name = colon < 0 ? '' : part.slice(0, colon).trim();
    const password = colon < 0 ? '' : part.slice(colon + 1);
    if (!USER_NAME.test(name)) {
      throw new InvalidSettingValue(`entry ${index + 1} must be NAME:PASSWORD with NAME of letters, digits, . _ @ -`);
    }
    if (password.length === 0 || password.length > PASSWORD_LENGTH_MAX) {
      throw new InvalidSettingValue(`user ${name} needs a password of 1 to ${PASSWORD_LENGTH_MAX} characters`);
    }
    if (users.some((u) => u.name === name)) throw new InvalidSettingValue(`lists user ${name} twice`);
    users.push({ name, password });
  });
  return users;
}

export function bootstrapUsers(): ValueType<readonly BootstrapUser[]> {
  return structured({
    kafkaType: 'password',
    range: 'NAME:PASSWORD,...',
    placeholder: 'users',
    parse: parseUsers,
    format: (users) => users.map((u) => `${u.name}:${u.password}`).join(','),
  });
}
