// AlterUserScramCredentials (key 51), version 0. The salted password the client sent becomes
// StoredKey and ServerKey here, on the node that took the request, so only those travel to the
// controller and into the metadata log. The controller checks and answers per user
// (src/metadata/scram-users.ts); a mechanism Brook does not know is UNSUPPORTED_SASL_MECHANISM.
// Needs ALTER on the cluster, as in Kafka (else every user's result is CLUSTER_AUTHORIZATION_FAILED):
// otherwise any user could change any other's password.
import { ErrorCode } from '../../common/index.js';
import {
  AclOperation,
  ResourceType,
  type ScramAlterResult,
  type ScramDeletion,
  scramMechanismOfCode,
  type ScramUpsertion,
} from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  AlterUserScramCredentialsRequest,
  AlterUserScramCredentialsResponse,
} from '../protocol/messages/alter-user-scram-credentials.js';
import { credentialOf, SCRAM_HASHES } from '../sasl/scram-crypto.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';

export function alterUserScramCredentialsHandler(ctx: BrokerContext) {
  return defineHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse>({
    apiKey: 51,
    name: 'AlterUserScramCredentials',
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context) {
      if (!ctx.authorizer.access(context).allowsCluster(AclOperation.ALTER)) {
        const denied = notAuthorized(AclOperation.ALTER, ResourceType.CLUSTER);
        const users = new Set([...request.deletions, ...request.upsertions].map((item) => item.name));
        const results = [...users].map((user) => ({ user, errorCode: denied.code, errorMessage: denied.message }));
        return { throttleTimeMs: 0, results };
      }
      const refused = new Map<string, ScramAlterResult>();
      const refuse = (user: string, errorCode: number, errorMessage: string) => {
        if (!refused.has(user)) refused.set(user, { user, errorCode, errorMessage });
      };
      const deletions: ScramDeletion[] = [];
      for (const d of request.deletions) {
        const mechanism = scramMechanismOfCode(d.mechanism);
        if (mechanism) deletions.push({ user: d.name, mechanism });
        else refuse(d.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, `unknown SCRAM mechanism ${d.mechanism}`);
      }
      const upsertions: ScramUpsertion[] = [];
      for (const u of request.upsertions) {
        const mechanism = scramMechanismOfCode(u.mechanism);
        if (!mechanism) {
          refuse(u.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, `unknown SCRAM mechanism ${u.mechanism}`);
        } else if (u.saltedPassword.length !== SCRAM_HASHES[mechanism].bytes || u.salt.length === 0) {
          refuse(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `a ${mechanism} salted password and a salt are required`);
        } else {
          upsertions.push({
            user: u.name,
            mechanism,
            ...credentialOf(mechanism, Buffer.from(u.salt), u.iterations, Buffer.from(u.saltedPassword)),
          });
        }
      }
      const keep = <T extends { user: string }>(items: T[]) => items.filter((item) => !refused.has(item.user));
      let decided: ScramAlterResult[] = [];
      const kept = { deletions: keep(deletions), upsertions: keep(upsertions) };
      if (kept.deletions.length + kept.upsertions.length > 0) {
        try {
          decided = await ctx.admin.alterScramCredentials(kept.deletions, kept.upsertions, false);
        } catch (err) {
          const { errorCode, errorMessage } = errorOf(err, ctx.log);
          const users = new Set([...kept.deletions, ...kept.upsertions].map((item) => item.user));
          decided = [...users].map((user) => ({ user, errorCode, errorMessage }));
        }
      }
      if (decided.some((r) => r.errorCode === ErrorCode.NONE)) {
        ctx.log.info(
          { users: decided.filter((r) => r.errorCode === 0).map((r) => r.user) },
          'SCRAM credentials altered',
        );
      }
      return { throttleTimeMs: 0, results: [...decided, ...refused.values()] };
    },
  });
}
