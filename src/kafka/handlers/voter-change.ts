// What AddRaftVoter and RemoveRaftVoter check before asking the controller: the cluster id (when
// the request names one) and a voter id that can be a node id.
import { ErrorCode } from '../../common/index.js';
import type { BrokerContext } from '../broker-context.js';

export function checkVoterChange(
  ctx: BrokerContext,
  clusterId: string | null,
  voterId: number,
): { errorCode: number; errorMessage: string } | null {
  if (clusterId !== null && clusterId !== ctx.config.clusterId) {
    return {
      errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID,
      errorMessage: `cluster id ${clusterId} is not ${ctx.config.clusterId}`,
    };
  }
  if (!Number.isInteger(voterId) || voterId < 1) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `voter id ${voterId} is not a node id` };
  }
  return null;
}
