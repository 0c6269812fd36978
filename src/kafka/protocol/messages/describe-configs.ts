// DescribeConfigs (key 32), versions 0-4, flexible from 4. v1 adds includeSynonyms, configSource
// and synonyms (and drops isDefault); v3 adds includeDocumentation, configType and documentation.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

/** resourceType values shared by DescribeConfigs, AlterConfigs and IncrementalAlterConfigs. */
export const ConfigResourceType = {
  unknown: 0,
  topic: 2,
  broker: 4,
  brokerLogger: 8,
  clientMetrics: 16,
  group: 32,
} as const;

/** configSource / synonym source values (v1+). */
export const ConfigSource = {
  unknown: 0,
  dynamicTopic: 1,
  dynamicBroker: 2,
  dynamicDefaultBroker: 3,
  staticBroker: 4,
  default: 5,
  dynamicBrokerLogger: 6,
  clientMetrics: 7,
  group: 8,
} as const;

/** configType values (v3+). */
export const ConfigType = {
  unknown: 0,
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
} as const;

export interface DescribeConfigsResource extends TaggedStruct {
  /** A `ConfigResourceType` value. */
  resourceType: number;
  resourceName: string;
  /** Null: every key. */
  configurationKeys: string[] | null;
}

export interface DescribeConfigsRequest extends TaggedStruct {
  resources: DescribeConfigsResource[];
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

export interface DescribeConfigsSynonym extends TaggedStruct {
  name: string;
  value: string | null;
  source: number;
}

export interface DescribeConfigsResourceResult extends TaggedStruct {
  name: string;
  value: string | null;
  readOnly: boolean;
  /** v0 only; later versions say this through `configSource`. */
  isDefault: boolean;
  /** A `ConfigSource` value (v1+). */
  configSource: number;
  isSensitive: boolean;
  synonyms: DescribeConfigsSynonym[];
  /** A `ConfigType` value (v3+). */
  configType: number;
  documentation: string | null;
}

export interface DescribeConfigsResult extends TaggedStruct {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: DescribeConfigsResourceResult[];
}

export interface DescribeConfigsResponse extends TaggedStruct {
  throttleTimeMs: number;
  results: DescribeConfigsResult[];
}

const request: MessageSchema = {
  name: 'DescribeConfigsRequest',
  apiKey: 32,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    f.array('resources', '0+', [
      f.int8('resourceType', '0+'),
      f.string('resourceName', '0+'),
      f.array('configurationKeys', '0+', 'string', { nullableVersions: '0+' }),
    ]),
    f.bool('includeSynonyms', '1+', { default: false }),
    f.bool('includeDocumentation', '3+', { default: false }),
  ],
};

const response: MessageSchema = {
  name: 'DescribeConfigsResponse',
  apiKey: 32,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.array('results', '0+', [
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '0+', { nullableVersions: '0+' }),
      f.int8('resourceType', '0+'),
      f.string('resourceName', '0+'),
      f.array('configs', '0+', [
        f.string('name', '0+'),
        f.string('value', '0+', { nullableVersions: '0+' }),
        f.bool('readOnly', '0+'),
        f.bool('isDefault', '0'),
        // For v0 the right source depends on the resource (a broker's default is 4); -1 only
        // marks "not sent".
        f.int8('configSource', '1+', { default: -1 }),
        f.bool('isSensitive', '0+'),
        f.array('synonyms', '1+', [
          f.string('name', '1+'),
          f.string('value', '1+', { nullableVersions: '0+' }),
          f.int8('source', '1+'),
        ]),
        f.int8('configType', '3+', { default: 0 }),
        f.string('documentation', '3+', { nullableVersions: '0+' }),
      ]),
    ]),
  ],
};

export const describeConfigsApi: ApiSchema = { apiKey: 32, name: 'DescribeConfigs', request, response };
