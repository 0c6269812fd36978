// DescribeAcls (key 29), versions 0-3, flexible from 2. One filter; the matching ACLs come back
// grouped by resource pattern. v1 adds pattern types (v0 filters and answers LITERAL only).
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';
import { LITERAL_PATTERN } from './create-acls.js';

export interface DescribeAclsRequest extends TaggedStruct {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

export interface AclDescription extends TaggedStruct {
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

export interface DescribeAclsResource extends TaggedStruct {
  resourceType: number;
  resourceName: string;
  patternType: number;
  acls: AclDescription[];
}

export interface DescribeAclsResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  resources: DescribeAclsResource[];
}

const request: MessageSchema = {
  name: 'DescribeAclsRequest',
  apiKey: 29,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    f.int8('resourceTypeFilter', '0+'),
    f.string('resourceNameFilter', '0+', { nullableVersions: '0+' }),
    f.int8('patternTypeFilter', '1+', { default: LITERAL_PATTERN }),
    f.string('principalFilter', '0+', { nullableVersions: '0+' }),
    f.string('hostFilter', '0+', { nullableVersions: '0+' }),
    f.int8('operation', '0+'),
    f.int8('permissionType', '0+'),
  ],
};

const response: MessageSchema = {
  name: 'DescribeAclsResponse',
  apiKey: 29,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
    f.array('resources', '0+', [
      f.int8('resourceType', '0+'),
      f.string('resourceName', '0+'),
      f.int8('patternType', '1+', { default: LITERAL_PATTERN }),
      f.array('acls', '0+', [
        f.string('principal', '0+'),
        f.string('host', '0+'),
        f.int8('operation', '0+'),
        f.int8('permissionType', '0+'),
      ]),
    ]),
  ],
};

export const describeAclsApi: ApiSchema = { apiKey: 29, name: 'DescribeAcls', request, response };
