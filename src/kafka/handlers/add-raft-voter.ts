// AddRaftVoter (key 80), versions 0-1: promotes a broker that follows the metadata log as a
// learner to voter, once its log has caught up (waiting up to the request's timeoutMs), one
// change at a time (a second change while one is pending answers REQUEST_TIMED_OUT, retriable).
// Forwarded to the controller; answered once the new voter set is committed and applied here
// (AckWhenCommitted=false is answered the same way: the change is only known done then). The
// voter is reached at the gRPC address its broker registered; the request's listeners are not
// used. Errors: DUPLICATE_VOTER (already a voter), INVALID_REQUEST (not a live broker following
// the log), INCONSISTENT_CLUSTER_ID (another cluster's id). Needs ALTER on the cluster.
import { ErrorCode } from '../../common/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { AddRaftVoterRequest, AddRaftVoterResponse } from '../protocol/messages/add-raft-voter.js';
import { runVoterChange } from './voter-change.js';

export function addRaftVoterHandler(ctx: BrokerContext) {
  return defineHandler<AddRaftVoterRequest, AddRaftVoterResponse>({
    apiKey: 80,
    name: 'AddRaftVoter',
    minVersion: 0,
    maxVersion: 1,
    async handle(request, context): Promise<AddRaftVoterResponse> {
      const badTimeout =
        request.timeoutMs < 0
          ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `timeoutMs ${request.timeoutMs} < 0` }
          : null;
      const outcome = await runVoterChange(
        ctx,
        context,
        request,
        () => ctx.admin.addRaftVoter(request.voterId, request.timeoutMs),
        badTimeout,
      );
      return { throttleTimeMs: 0, ...outcome };
    },
  });
}
