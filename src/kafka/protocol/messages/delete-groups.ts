// DeleteGroups (key 42), versions 0-2, flexible from 2. Only empty groups may be deleted.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface DeleteGroupsRequest extends TaggedStruct {
  /** Kafka's spelling ("GroupsNames"). */
  groupsNames: string[];
}

export interface DeletableGroupResult extends TaggedStruct {
  groupId: string;
  errorCode: number;
}

export interface DeleteGroupsResponse extends TaggedStruct {
  throttleTimeMs: number;
  results: DeletableGroupResult[];
}

const request: MessageSchema = {
  name: 'DeleteGroupsRequest',
  apiKey: 42,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [f.array('groupsNames', '0+', 'string')],
};

const response: MessageSchema = {
  name: 'DeleteGroupsResponse',
  apiKey: 42,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.array('results', '0+', [f.string('groupId', '0+'), f.int16('errorCode', '0+')]),
  ],
};

export const deleteGroupsApi: ApiSchema = { apiKey: 42, name: 'DeleteGroups', request, response };
