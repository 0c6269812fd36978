// FindCoordinator (key 10), versions 0-4 (v4 batches keys). The coordinator of a group is the
// leader of the __consumer_offsets partition the group id hashes to; of a transactional id (key
// type 1), the leader of its __transaction_state partition, which the first such request creates
// (COORDINATOR_NOT_AVAILABLE meanwhile, which clients retry). Share groups (key type 2) and unknown
// key types get INVALID_REQUEST. Version 0 must stay advertised: librdkafka turns on group
// consumption and LZ4 only when it is.
// The coordinator's address is its endpoint on the listener the request came in on. A group key
// needs DESCRIBE on the group (GROUP_AUTHORIZATION_FAILED), a transaction key DESCRIBE on the
// transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
import { ErrorCode } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import {
  CoordinatorKeyType,
  type Coordinator,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
} from '../protocol/messages/find-coordinator.js';
import type { RequestAccess } from '../request-access.js';
import { notAuthorized } from './authorization.js';
import { endpointFor } from './broker-endpoints.js';
import { errorOf } from './common.js';

export function findCoordinatorHandler(ctx: BrokerContext) {
  function locate(access: RequestAccess, key: string, keyType: number, listenerName: string): Coordinator {
    const none = { key, nodeId: -1, host: '', port: -1 };
    const resourceType = keyType === CoordinatorKeyType.group ? ResourceType.GROUP : ResourceType.TRANSACTIONAL_ID;
    if (!access.allows(AclOperation.DESCRIBE, resourceType, key)) {
      return { ...none, ...errorOf(notAuthorized(AclOperation.DESCRIBE, resourceType, key), ctx.log) };
    }
    if (keyType !== CoordinatorKeyType.group && keyType !== CoordinatorKeyType.transaction) {
      return {
        ...none,
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: keyType === CoordinatorKeyType.share ? 'share groups are not supported' : `key type ${keyType}`,
      };
    }
    try {
      const nodeId = keyType === CoordinatorKeyType.group ? ctx.coordinatorFor(key) : ctx.txnCoordinatorFor(key);
      const broker = ctx.metadata.state.broker(nodeId);
      const endpoint = broker && !broker.fenced ? endpointFor(broker, listenerName) : undefined;
      if (!endpoint) {
        return {
          ...none,
          errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
          errorMessage: `coordinator node ${nodeId} is not available on listener ${listenerName}`,
        };
      }
      return { key, nodeId, host: endpoint.host, port: endpoint.port, errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (err) {
      return { ...none, ...errorOf(err, ctx.log) };
    }
  }

  return defineHandler<FindCoordinatorRequest, FindCoordinatorResponse>({
    apiKey: 10,
    name: 'FindCoordinator',
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      const access = ctx.authorizer.access(context);
      const base = {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        nodeId: -1,
        host: '',
        port: -1,
        coordinators: [],
      };
      if (context.apiVersion >= 4) {
        const coordinators = request.coordinatorKeys.map((key) =>
          locate(access, key, request.keyType, context.listenerName),
        );
        return { ...base, coordinators };
      }
      const found = locate(access, request.key, request.keyType, context.listenerName);
      return {
        ...base,
        errorCode: found.errorCode,
        errorMessage: found.errorMessage,
        nodeId: found.nodeId,
        host: found.host,
        port: found.port,
      };
    },
  });
}
