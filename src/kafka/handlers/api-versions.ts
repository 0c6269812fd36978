// ApiVersions (key 18), versions 0-3. Always answered (KIP-511): an unsupported version gets a v0
// body with UNSUPPORTED_VERSION and this API's range, so the client retries with a version we
// speak. v3+ checks the client software name and version as Kafka does (INVALID_REQUEST).
import { ErrorCode } from '../../common/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../protocol/messages/api-versions.js';

const SOFTWARE = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;
const MIN_VERSION = 0;
const MAX_VERSION = 3;

export function apiVersionsHandler(ctx: BrokerContext) {
  return defineHandler<ApiVersionsRequest, ApiVersionsResponse>({
    apiKey: 18,
    name: 'ApiVersions',
    minVersion: MIN_VERSION,
    maxVersion: MAX_VERSION,
    handle(request, context) {
      const base = {
        throttleTimeMs: 0,
        supportedFeatures: [],
        finalizedFeaturesEpoch: -1,
        finalizedFeatures: [],
        zkMigrationReady: false,
      };
      if (context.apiVersion < 0) {
        return {
          ...base,
          errorCode: ErrorCode.UNSUPPORTED_VERSION,
          apiKeys: [{ apiKey: 18, minVersion: MIN_VERSION, maxVersion: MAX_VERSION }],
        };
      }
      if (
        context.apiVersion >= 3 &&
        (!SOFTWARE.test(request.clientSoftwareName) || !SOFTWARE.test(request.clientSoftwareVersion))
      ) {
        return { ...base, errorCode: ErrorCode.INVALID_REQUEST, apiKeys: [] };
      }
      return { ...base, errorCode: ErrorCode.NONE, apiKeys: ctx.supportedApis().map((api) => ({ ...api })) };
    },
  });
}
