// AlterConfigs (key 33), versions 0-2, flexible from 2. Replaces a resource's whole set of
// dynamic configs; v1 only changes throttling behaviour.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface AlterableConfig extends TaggedStruct {
  name: string;
  value: string | null;
}

export interface AlterConfigsResource extends TaggedStruct {
  resourceType: number;
  resourceName: string;
  configs: AlterableConfig[];
}

export interface AlterConfigsRequest extends TaggedStruct {
  resources: AlterConfigsResource[];
  validateOnly: boolean;
}

export interface AlterConfigsResourceResponse extends TaggedStruct {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

export interface AlterConfigsResponse extends TaggedStruct {
  throttleTimeMs: number;
  responses: AlterConfigsResourceResponse[];
}

const request: MessageSchema = {
  name: 'AlterConfigsRequest',
  apiKey: 33,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    f.array('resources', '0+', [
      f.int8('resourceType', '0+'),
      f.string('resourceName', '0+'),
      f.array('configs', '0+', [f.string('name', '0+'), f.string('value', '0+', { nullableVersions: '0+' })]),
    ]),
    f.bool('validateOnly', '0+'),
  ],
};

const response: MessageSchema = {
  name: 'AlterConfigsResponse',
  apiKey: 33,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.array('responses', '0+', [
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '0+', { nullableVersions: '0+' }),
      f.int8('resourceType', '0+'),
      f.string('resourceName', '0+'),
    ]),
  ],
};

export const alterConfigsApi: ApiSchema = { apiKey: 33, name: 'AlterConfigs', request, response };
