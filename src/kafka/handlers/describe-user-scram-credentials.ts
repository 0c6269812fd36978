// DescribeUserScramCredentials (key 50), version 0. Answered by any node from its copy of the
// metadata: each user's mechanisms and iterations. A user named twice gets DUPLICATE_RESOURCE, an
// unknown one RESOURCE_NOT_FOUND (Kafka's answers); salts and keys are never sent. Needs DESCRIBE
// on the cluster (else the whole answer is CLUSTER_AUTHORIZATION_FAILED), as in Kafka.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType, SCRAM_MECHANISM_CODES } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { notAuthorized } from './authorization.js';
import { defineHandler } from '../handler.js';
import type {
  DescribeUserScramCredentialsRequest,
  DescribeUserScramCredentialsResponse,
  DescribeUserScramCredentialsResult,
} from '../protocol/messages/describe-user-scram-credentials.js';

export function describeUserScramCredentialsHandler(ctx: BrokerContext) {
  return defineHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse>({
    apiKey: 50,
    name: 'DescribeUserScramCredentials',
    minVersion: 0,
    maxVersion: 0,
    handle(request, context) {
      if (!ctx.authorizer.access(context).allowsCluster(AclOperation.DESCRIBE)) {
        const denied = notAuthorized(AclOperation.DESCRIBE, ResourceType.CLUSTER);
        return { throttleTimeMs: 0, errorCode: denied.code, errorMessage: denied.message, results: [] };
      }
      const users = new Map(ctx.metadata.state.scramUsers.list().map((u) => [u.user, u.credentials]));
      const describe = (user: string): DescribeUserScramCredentialsResult => {
        const credentials = users.get(user);
        if (!credentials) {
          return {
            user,
            errorCode: ErrorCode.RESOURCE_NOT_FOUND,
            errorMessage: 'Attempt to describe a user credential that does not exist',
            credentialInfos: [],
          };
        }
        const credentialInfos = credentials.map((c) => ({
          mechanism: SCRAM_MECHANISM_CODES[c.mechanism],
          iterations: c.iterations,
        }));
        return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos };
      };
      const named = request.users ?? [];
      if (named.length === 0) {
        return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, results: [...users.keys()].map(describe) };
      }
      const counts = new Map<string, number>();
      for (const { name } of named) counts.set(name, (counts.get(name) ?? 0) + 1);
      const results = [...counts].map(([user, count]) =>
        count > 1
          ? {
              user,
              errorCode: ErrorCode.DUPLICATE_RESOURCE,
              errorMessage: 'Cannot describe the same user twice in one request',
              credentialInfos: [],
            }
          : describe(user),
      );
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, results };
    },
  });
}
