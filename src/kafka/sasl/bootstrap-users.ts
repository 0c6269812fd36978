// --bootstrap-users: SCRAM users a node makes sure exist when it starts, so a fresh secured
// cluster has an administrator without a plaintext door to create one. Each node derives both
// SCRAM credentials (SHA-256 and SHA-512, so either mechanism and PLAIN log in) with its own random
// salt and asks the controller to create what is missing; the first to commit wins and later
// requests keep it, so an administrator's change of the password is never undone by a restart.
// Passwords are never logged.
import type { BootstrapUser, Logger } from '../../common/index.js';
import { type AdminOperations, SCRAM_MECHANISM_NAMES, type ScramUpsertion } from '../../metadata/index.js';
import { credentialFromPassword } from './scram-crypto.js';

const RETRY_DELAY_MS = 1000;

export async function createBootstrapUsers(
  users: readonly BootstrapUser[],
  admin: Pick<AdminOperations, 'alterScramCredentials'>,
  log: Logger,
  deadlineMs: number,
): Promise<void> {
  if (users.length === 0) return;
  const upsertions: ScramUpsertion[] = [];
  for (const { name, password } of users) {
    for (const mechanism of SCRAM_MECHANISM_NAMES) {
      upsertions.push({ user: name, mechanism, ...(await credentialFromPassword(mechanism, password)) });
    }
  }
  for (;;) {
    try {
      const results = await admin.alterScramCredentials([], upsertions, true);
      const failed = results.filter((r) => r.errorCode !== 0);
      if (failed.length > 0) log.error({ failed }, 'bootstrap users could not be created');
      else log.info({ users: users.map((u) => u.name) }, 'bootstrap users exist');
      return;
    } catch (err) {
      if (Date.now() + RETRY_DELAY_MS > deadlineMs) {
        log.error({ err: (err as Error).message }, 'bootstrap users not created; the controller did not answer');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
}
