// RemoveRaftVoter (key 81), version 0: takes a voter out of the metadata quorum, one change at a
// time (a second change while one is pending answers REQUEST_TIMED_OUT, retriable). A voter whose
// broker is alive is demoted to a learner, so it goes on hosting replicas and following the log as
// a broker; one that is fenced (down) leaves the quorum altogether. Forwarded to the controller;
// answered once the new voter set is committed and applied here. Errors: VOTER_NOT_FOUND (not a
// voter), INVALID_REQUEST (the last voter), INCONSISTENT_CLUSTER_ID. Needs ALTER on the cluster.
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { RemoveRaftVoterRequest, RemoveRaftVoterResponse } from '../protocol/messages/remove-raft-voter.js';
import { runVoterChange } from './voter-change.js';

export function removeRaftVoterHandler(ctx: BrokerContext) {
  return defineHandler<RemoveRaftVoterRequest, RemoveRaftVoterResponse>({
    apiKey: 81,
    name: 'RemoveRaftVoter',
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context): Promise<RemoveRaftVoterResponse> {
      const outcome = await runVoterChange(ctx, context, request, () => ctx.admin.removeRaftVoter(request.voterId));
      return { throttleTimeMs: 0, ...outcome };
    },
  });
}
