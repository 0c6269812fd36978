// SCRAM users in the replicated metadata (Kafka's KRaft UserScramCredentialRecord): per user and
// mechanism the salt, the iteration count, StoredKey and ServerKey of RFC 5802, never the
// password. With them the broker verifies a client's proof and proves itself, and nothing that
// leaks from the metadata lets anyone log in. The controller plans changes here (checked as
// Kafka's AlterUserScramCredentials checks them), every node applies the records the same way.
import { ErrorCode, KafkaError } from '../common/index.js';

export const SCRAM_MECHANISM_NAMES = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISM_NAMES)[number];

/** Kafka's ScramMechanism type codes (the int8 of AlterUserScramCredentials). */
export const SCRAM_MECHANISM_CODES: Readonly<Record<ScramMechanism, number>> = {
  'SCRAM-SHA-256': 1,
  'SCRAM-SHA-512': 2,
};

/** Kafka's bounds on iterations (ScramMechanism.minIterations, and the controller's 16384). */
export const SCRAM_ITERATIONS_MIN = 4096;
export const SCRAM_ITERATIONS_MAX = 16_384;
/** Longest user name Brook stores. */
const USER_NAME_LENGTH_MAX = 1024;
/** Bytes of a salt or key, base64-encoded; a SHA-512 key is 64 bytes. */
const ENCODED_BYTES_MAX = 256;

export function isScramMechanism(name: string): name is ScramMechanism {
  return (SCRAM_MECHANISM_NAMES as readonly string[]).includes(name);
}

export function scramMechanismOfCode(code: number): ScramMechanism | undefined {
  return SCRAM_MECHANISM_NAMES.find((m) => SCRAM_MECHANISM_CODES[m] === code);
}

/** A stored credential: salt and keys base64-encoded (the records are JSON). */
export interface ScramCredential {
  readonly salt: string;
  readonly iterations: number;
  readonly storedKey: string;
  readonly serverKey: string;
}

export interface ScramUpsertion extends ScramCredential {
  readonly user: string;
  readonly mechanism: ScramMechanism;
}

export interface ScramDeletion {
  readonly user: string;
  readonly mechanism: ScramMechanism;
}

export type ScramRecord =
  | ({ readonly type: 'UpsertScramCredential' } & ScramUpsertion)
  | ({ readonly type: 'DeleteScramCredential' } & ScramDeletion);

export interface ScramUserSnapshot {
  readonly user: string;
  readonly mechanism: ScramMechanism;
  readonly credential: ScramCredential;
}

/** The outcome for one user of an AlterUserScramCredentials request. */
export interface ScramAlterResult {
  readonly user: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface ScramAlterPlan {
  readonly records: ScramRecord[];
  readonly results: ScramAlterResult[];
}

export class ScramUsers {
  private readonly users = new Map<string, Map<ScramMechanism, ScramCredential>>();

  credential(user: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.users.get(user)?.get(mechanism);
  }

  /** Every user with a credential, sorted, and the mechanisms and iterations of each. */
  list(): { user: string; credentials: { mechanism: ScramMechanism; iterations: number }[] }[] {
    return [...this.users.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([user, byMechanism]) => ({
        user,
        credentials: [...byMechanism.entries()]
          .sort(([a], [b]) => SCRAM_MECHANISM_CODES[a] - SCRAM_MECHANISM_CODES[b])
          .map(([mechanism, c]) => ({ mechanism, iterations: c.iterations })),
      }));
  }

  has(user: string): boolean {
    return this.users.has(user);
  }

  apply(record: ScramRecord): void {
    if (record.type === 'UpsertScramCredential') {
      const { user, mechanism, salt, iterations, storedKey, serverKey } = record;
      let byMechanism = this.users.get(user);
      if (!byMechanism) this.users.set(user, (byMechanism = new Map<ScramMechanism, ScramCredential>()));
      byMechanism.set(mechanism, { salt, iterations, storedKey, serverKey });
      return;
    }
    const byMechanism = this.users.get(record.user);
    byMechanism?.delete(record.mechanism);
    if (byMechanism?.size === 0) this.users.delete(record.user);
  }

  snapshot(): ScramUserSnapshot[] {
    return [...this.users.entries()].flatMap(([user, byMechanism]) =>
      [...byMechanism.entries()].map(([mechanism, credential]) => ({ user, mechanism, credential })),
    );
  }

  restore(entries: readonly ScramUserSnapshot[]): void {
    this.users.clear();
    for (const { user, mechanism, credential } of entries) {
      this.apply({ type: 'UpsertScramCredential', user, mechanism, ...credential });
    }
  }
}

function refused(code: ErrorCode, message: string): never {
  throw new KafkaError(code, message);
}

function checkUpsertion(u: ScramUpsertion): void {
  if (u.user.length === 0 || u.user.length > USER_NAME_LENGTH_MAX) {
    refused(ErrorCode.UNACCEPTABLE_CREDENTIAL, `user name must be 1 to ${USER_NAME_LENGTH_MAX} characters`);
  }
  if (!isScramMechanism(u.mechanism)) refused(ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'unknown SCRAM mechanism');
  if (!Number.isInteger(u.iterations) || u.iterations < SCRAM_ITERATIONS_MIN || u.iterations > SCRAM_ITERATIONS_MAX) {
    refused(
      ErrorCode.UNACCEPTABLE_CREDENTIAL,
      `iterations must be in [${SCRAM_ITERATIONS_MIN}, ${SCRAM_ITERATIONS_MAX}], got ${u.iterations}`,
    );
  }
  for (const [name, value] of [
    ['salt', u.salt],
    ['storedKey', u.storedKey],
    ['serverKey', u.serverKey],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0 || value.length > ENCODED_BYTES_MAX) {
      refused(ErrorCode.UNACCEPTABLE_CREDENTIAL, `${name} is missing or too long`);
    }
  }
}

/**
 * The records for one AlterUserScramCredentials request, and its answer per user, as Kafka's
 * controller decides: a user named twice (for one mechanism) fails with DUPLICATE_RESOURCE,
 * deleting what does not exist with RESOURCE_NOT_FOUND, bad iterations or an empty name with
 * UNACCEPTABLE_CREDENTIAL; any failure of a user leaves all of that user's changes out. With
 * `createOnly` (bootstrap users) an existing credential is kept and is no error.
 */
export function planScramChanges(
  users: ScramUsers,
  deletions: readonly ScramDeletion[],
  upsertions: readonly ScramUpsertion[],
  createOnly = false,
): ScramAlterPlan {
  const byUser = new Map<string, { records: ScramRecord[]; error: KafkaError | null }>();
  const seen = new Set<string>();
  const entry = (user: string) => {
    let e = byUser.get(user);
    if (!e) byUser.set(user, (e = { records: [], error: null }));
    return e;
  };
  const attempt = (user: string, mechanism: string, run: () => ScramRecord | null) => {
    const e = entry(user);
    const key = `${mechanism}\u0000${user}`;
    if (seen.has(key)) {
      e.error ??= new KafkaError(
        ErrorCode.DUPLICATE_RESOURCE,
        'a user credential cannot be altered twice in one request',
      );
      return;
    }
    seen.add(key);
    try {
      const record = run();
      if (record) e.records.push(record);
    } catch (err) {
      if (!(err instanceof KafkaError)) throw err;
      e.error ??= err;
    }
  };
  for (const d of deletions) {
    attempt(d.user, d.mechanism, () => {
      if (!isScramMechanism(d.mechanism)) refused(ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'unknown SCRAM mechanism');
      if (!users.credential(d.user, d.mechanism)) {
        refused(ErrorCode.RESOURCE_NOT_FOUND, `user ${d.user} has no ${d.mechanism} credential to delete`);
      }
      return { type: 'DeleteScramCredential', user: d.user, mechanism: d.mechanism };
    });
  }
  for (const u of upsertions) {
    attempt(u.user, u.mechanism, () => {
      checkUpsertion(u);
      if (createOnly && users.credential(u.user, u.mechanism)) return null;
      const { user, mechanism, salt, iterations, storedKey, serverKey } = u;
      return { type: 'UpsertScramCredential', user, mechanism, salt, iterations, storedKey, serverKey };
    });
  }
  const records: ScramRecord[] = [];
  const results: ScramAlterResult[] = [];
  for (const [user, e] of byUser) {
    if (e.error) {
      results.push({ user, errorCode: e.error.code, errorMessage: e.error.message });
    } else {
      records.push(...e.records);
      results.push({ user, errorCode: ErrorCode.NONE, errorMessage: null });
    }
  }
  return { records, results };
}
