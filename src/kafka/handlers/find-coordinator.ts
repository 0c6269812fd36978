// FindCoordinator (key 10), versions 0-4 (v4 batches keys). The coordinator of a group is the
// leader of the __consumer_offsets partition the group id hashes to; of a transactional id (key
// type 1), the leader of its __transaction_state partition, which the first such request creates
// (COORDINATOR_NOT_AVAILABLE meanwhile, which clients retry). Share groups (key type 2) and unknown
// key types get INVALID_REQUEST. Version 0 must stay advertised: librdkafka turns on group
// consumption and LZ4 only when it is.
import { ErrorCode } from '../../common/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import {
  CoordinatorKeyType,
  type Coordinator,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
} from '../protocol/messages/find-coordinator.js';
import { errorOf } from './common.js';

export function findCoordinatorHandler(ctx: BrokerContext) {
  function locate(key: string, keyType: number): Coordinator {
    const none = { key, nodeId: -1, host: '', port: -1 };
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
      if (!broker || broker.fenced) {
        return {
          ...none,
          errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
          errorMessage: `coordinator node ${nodeId} is not available`,
        };
      }
      return { key, nodeId, host: broker.host, port: broker.port, errorCode: ErrorCode.NONE, errorMessage: null };
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
        const coordinators = request.coordinatorKeys.map((key) => locate(key, request.keyType));
        return { ...base, coordinators };
      }
      const found = locate(request.key, request.keyType);
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
