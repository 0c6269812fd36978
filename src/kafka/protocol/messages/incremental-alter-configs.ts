// IncrementalAlterConfigs (key 44), versions 0-1, flexible from 1. Each config carries its own
// operation, so keys not named keep their values (unlike AlterConfigs).
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export const ConfigOperation = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

export interface IncrementalAlterableConfig extends TaggedStruct {
  name: string;
  /** A `ConfigOperation` value. */
  configOperation: number;
  value: string | null;
}

export interface IncrementalAlterConfigsResource extends TaggedStruct {
  resourceType: number;
  resourceName: string;
  configs: IncrementalAlterableConfig[];
}

export interface IncrementalAlterConfigsRequest extends TaggedStruct {
  resources: IncrementalAlterConfigsResource[];
  validateOnly: boolean;
}

export interface IncrementalAlterConfigsResourceResponse extends TaggedStruct {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

export interface IncrementalAlterConfigsResponse extends TaggedStruct {
  throttleTimeMs: number;
  responses: IncrementalAlterConfigsResourceResponse[];
}

const request: MessageSchema = {
  name: 'IncrementalAlterConfigsRequest',
  apiKey: 44,
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    f.array('resources', '0+', [
      f.int8('resourceType', '0+'),
      f.string('resourceName', '0+'),
      f.array('configs', '0+', [
        f.string('name', '0+'),
        f.int8('configOperation', '0+'),
        f.string('value', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
    f.bool('validateOnly', '0+'),
  ],
};

const response: MessageSchema = {
  name: 'IncrementalAlterConfigsResponse',
  apiKey: 44,
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '1+',
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

export const incrementalAlterConfigsApi: ApiSchema = {
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  request,
  response,
};
