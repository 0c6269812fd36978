// AlterConfigs (key 33), versions 0-2: replaces a topic's whole explicit config set. Broker
// configs are static (flags and BROOK_* variables), so altering them is refused.
import { ErrorCode } from '../../common/errors.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { AlterConfigsRequest, AlterConfigsResponse } from '../protocol/messages/alter-configs.js';
import { configMap, errorOf, RESOURCE_TYPE_TOPIC } from './common.js';

export function alterConfigsHandler(ctx: BrokerContext) {
  return defineHandler<AlterConfigsRequest, AlterConfigsResponse>({
    apiKey: 33,
    name: 'AlterConfigs',
    minVersion: 0,
    maxVersion: 2,
    async handle(request) {
      const responses = await Promise.all(
        request.resources.map(async (resource) => {
          const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
          if (resource.resourceType !== RESOURCE_TYPE_TOPIC) {
            return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'only topic configs can be altered; broker settings are static' };
          }
          try {
            await ctx.admin.alterTopicConfig(resource.resourceName, configMap(resource.configs), request.validateOnly);
            return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
          } catch (err) {
            return { ...base, ...errorOf(err, ctx.log) };
          }
        }),
      );
      return { throttleTimeMs: 0, responses };
    },
  });
}
