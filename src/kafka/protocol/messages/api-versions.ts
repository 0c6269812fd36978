// ApiVersions (key 18), versions 0-4, flexible from 3. v1 adds throttleTimeMs; v3 adds the client
// software name and version and the tagged feature fields; v4 changes nothing on the wire.
// The response always travels with response header v0 (KIP-511), see header.ts.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface ApiVersionsRequest extends TaggedStruct {
  clientSoftwareName: string;
  clientSoftwareVersion: string;
}

export interface ApiVersion extends TaggedStruct {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface SupportedFeatureKey extends TaggedStruct {
  name: string;
  minVersion: number;
  maxVersion: number;
}

export interface FinalizedFeatureKey extends TaggedStruct {
  name: string;
  maxVersionLevel: number;
  minVersionLevel: number;
}

export interface ApiVersionsResponse extends TaggedStruct {
  errorCode: number;
  apiKeys: ApiVersion[];
  throttleTimeMs: number;
  /** Tagged (tag 0, v3+). */
  supportedFeatures: SupportedFeatureKey[];
  /** Tagged (tag 1, v3+). */
  finalizedFeaturesEpoch: number;
  /** Tagged (tag 2, v3+). */
  finalizedFeatures: FinalizedFeatureKey[];
  /** Tagged (tag 3, v3+). */
  zkMigrationReady: boolean;
}

const request: MessageSchema = {
  name: 'ApiVersionsRequest',
  apiKey: 18,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [f.string('clientSoftwareName', '3+'), f.string('clientSoftwareVersion', '3+')],
};

const response: MessageSchema = {
  name: 'ApiVersionsResponse',
  apiKey: 18,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    f.int16('errorCode', '0+'),
    f.array('apiKeys', '0+', [f.int16('apiKey', '0+'), f.int16('minVersion', '0+'), f.int16('maxVersion', '0+')]),
    f.int32('throttleTimeMs', '1+'),
    f.array(
      'supportedFeatures',
      '3+',
      [f.string('name', '3+'), f.int16('minVersion', '3+'), f.int16('maxVersion', '3+')],
      { tag: 0, taggedVersions: '3+' },
    ),
    f.int64('finalizedFeaturesEpoch', '3+', { tag: 1, taggedVersions: '3+', default: -1 }),
    f.array(
      'finalizedFeatures',
      '3+',
      [f.string('name', '3+'), f.int16('maxVersionLevel', '3+'), f.int16('minVersionLevel', '3+')],
      { tag: 2, taggedVersions: '3+' },
    ),
    f.bool('zkMigrationReady', '3+', { tag: 3, taggedVersions: '3+', default: false }),
  ],
};

export const apiVersionsApi: ApiSchema = { apiKey: 18, name: 'ApiVersions', request, response };
