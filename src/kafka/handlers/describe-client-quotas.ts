// DescribeClientQuotas (key 48), versions 0-1. Needs DESCRIBE_CONFIGS on the cluster (else
// CLUSTER_AUTHORIZATION_FAILED). Answered from this node's applied metadata: the quota entities the
// filter selects (Kafka's ClientQuotasImage.describe), each with its values.
import { ErrorCode, KafkaError } from '../../common/index.js';
import { AclOperation, partsOfEntity, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type {
  DescribeClientQuotasRequest,
  DescribeClientQuotasResponse,
} from '../protocol/messages/describe-client-quotas.js';
import { notAuthorized } from './authorization.js';

export function describeClientQuotasHandler(ctx: BrokerContext) {
  return defineHandler<DescribeClientQuotasRequest, DescribeClientQuotasResponse>({
    apiKey: 48,
    name: 'DescribeClientQuotas',
    minVersion: 0,
    maxVersion: 1,
    handle(request, context) {
      const failed = (err: KafkaError) => ({
        throttleTimeMs: 0,
        errorCode: err.code,
        errorMessage: err.message,
        entries: null,
      });
      if (!ctx.authorizer.access(context).allowsCluster(AclOperation.DESCRIBE_CONFIGS)) {
        return failed(notAuthorized(AclOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER));
      }
      try {
        const found = ctx.metadata.state.clientQuotas.describe(request.components, request.strict);
        const entries = found.map(({ entity, values }) => ({
          entity: partsOfEntity(entity).map((p) => ({ ...p })),
          values: Object.entries(values).map(([key, value]) => ({ key, value })),
        }));
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
      } catch (err) {
        if (err instanceof KafkaError) return failed(err);
        throw err;
      }
    },
  });
}
