// CreateAcls (key 30), versions 0-3, flexible from 2. v1 adds the resource pattern type (v0 is
// LITERAL); v3 only adds the USER resource type, which Brook refuses.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface AclCreation extends TaggedStruct {
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

export interface CreateAclsRequest extends TaggedStruct {
  creations: AclCreation[];
}

export interface AclCreationResult extends TaggedStruct {
  errorCode: number;
  errorMessage: string | null;
}

export interface CreateAclsResponse extends TaggedStruct {
  throttleTimeMs: number;
  results: AclCreationResult[];
}

/** Kafka's PatternType.LITERAL: what a version without the field means. */
export const LITERAL_PATTERN = 3;

const request: MessageSchema = {
  name: 'CreateAclsRequest',
  apiKey: 30,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    f.array('creations', '0+', [
      f.int8('resourceType', '0+'),
      f.string('resourceName', '0+'),
      f.int8('resourcePatternType', '1+', { default: LITERAL_PATTERN }),
      f.string('principal', '0+'),
      f.string('host', '0+'),
      f.int8('operation', '0+'),
      f.int8('permissionType', '0+'),
    ]),
  ],
};

const response: MessageSchema = {
  name: 'CreateAclsResponse',
  apiKey: 30,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.array('results', '0+', [
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
    ]),
  ],
};

export const createAclsApi: ApiSchema = { apiKey: 30, name: 'CreateAcls', request, response };
