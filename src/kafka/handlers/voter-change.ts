// What AddRaftVoter and RemoveRaftVoter share: ALTER on the cluster, the cluster id (when the
// request names one) and a voter id that can be a node id, checked before the controller is asked
// to make the change; the change's failure mapped to its error code.
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import type { RequestContext } from '../handler.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';

export interface VoterChangeOutcome {
  errorCode: number;
  errorMessage: string | null;
}

function checkVoterChange(ctx: BrokerContext, clusterId: string | null, voterId: number): VoterChangeOutcome | null {
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

/** Checks the request, then runs `change` (the controller's add or remove), answering its outcome. */
export async function runVoterChange(
  ctx: BrokerContext,
  context: RequestContext,
  request: { clusterId: string | null; voterId: number },
  change: () => Promise<void>,
  precheck: VoterChangeOutcome | null = null,
): Promise<VoterChangeOutcome> {
  if (!ctx.authorizer.access(context).allowsCluster(AclOperation.ALTER)) {
    const denied = notAuthorized(AclOperation.ALTER, ResourceType.CLUSTER);
    return { errorCode: denied.code, errorMessage: denied.message };
  }
  const refused = checkVoterChange(ctx, request.clusterId, request.voterId) ?? precheck;
  if (refused !== null) return refused;
  try {
    await change();
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (err) {
    return errorOf(err, ctx.log);
  }
}
