// DeleteAcls (key 31), versions 0-3, flexible from 2. Each filter removes every ACL it matches and
// reports them. v1 adds pattern types (v0 filters LITERAL only).
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';
import { LITERAL_PATTERN } from './create-acls.js';

export interface DeleteAclsFilter extends TaggedStruct {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

export interface DeleteAclsRequest extends TaggedStruct {
  filters: DeleteAclsFilter[];
}

export interface DeleteAclsMatchingAcl extends TaggedStruct {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

export interface DeleteAclsFilterResult extends TaggedStruct {
  errorCode: number;
  errorMessage: string | null;
  matchingAcls: DeleteAclsMatchingAcl[];
}

export interface DeleteAclsResponse extends TaggedStruct {
  throttleTimeMs: number;
  filterResults: DeleteAclsFilterResult[];
}

const request: MessageSchema = {
  name: 'DeleteAclsRequest',
  apiKey: 31,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    f.array('filters', '0+', [
      f.int8('resourceTypeFilter', '0+'),
      f.string('resourceNameFilter', '0+', { nullableVersions: '0+' }),
      f.int8('patternTypeFilter', '1+', { default: LITERAL_PATTERN }),
      f.string('principalFilter', '0+', { nullableVersions: '0+' }),
      f.string('hostFilter', '0+', { nullableVersions: '0+' }),
      f.int8('operation', '0+'),
      f.int8('permissionType', '0+'),
    ]),
  ],
};

const response: MessageSchema = {
  name: 'DeleteAclsResponse',
  apiKey: 31,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.array('filterResults', '0+', [
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
      f.array('matchingAcls', '0+', [
        f.int16('errorCode', '0+'),
        f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
        f.int8('resourceType', '0+'),
        f.string('resourceName', '0+'),
        f.int8('patternType', '1+', { default: LITERAL_PATTERN }),
        f.string('principal', '0+'),
        f.string('host', '0+'),
        f.int8('operation', '0+'),
        f.int8('permissionType', '0+'),
      ]),
    ]),
  ],
};

export const deleteAclsApi: ApiSchema = { apiKey: 31, name: 'DeleteAcls', request, response };
