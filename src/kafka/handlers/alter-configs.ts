// AlterConfigs (key 33), versions 0-2: replaces a topic's whole explicit config set. Broker
// configs are static (flags and BROOK_* variables), so altering them is refused.
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { AlterConfigsRequest, AlterConfigsResponse } from '../protocol/messages/alter-configs.js';
import { alterTopicConfigs, configMap } from './common.js';

export function alterConfigsHandler(ctx: BrokerContext) {
  return defineHandler<AlterConfigsRequest, AlterConfigsResponse>({
    apiKey: 33,
    name: 'AlterConfigs',
    minVersion: 0,
    maxVersion: 2,
    async handle(request, context) {
      const access = ctx.authorizer.access(context);
      const responses = await alterTopicConfigs(ctx, access, request.resources, request.validateOnly, (resource) =>
        configMap(resource.configs),
      );
      return { throttleTimeMs: 0, responses };
    },
  });
}
