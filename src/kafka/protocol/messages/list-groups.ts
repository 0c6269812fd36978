// ListGroups (key 16), versions 0-5, flexible from 3. v4 adds a state filter and each group's
// state; v5 adds a type filter and each group's type. A broker lists only the groups it
// coordinates: clients ask every broker and concatenate.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface ListGroupsRequest extends TaggedStruct {
  /** Empty: every state. */
  statesFilter: string[];
  /** Empty: every type. */
  typesFilter: string[];
}

export interface ListedGroup extends TaggedStruct {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

export interface ListGroupsResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  groups: ListedGroup[];
}

const request: MessageSchema = {
  name: 'ListGroupsRequest',
  apiKey: 16,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [f.array('statesFilter', '4+', 'string'), f.array('typesFilter', '5+', 'string')],
};

const response: MessageSchema = {
  name: 'ListGroupsResponse',
  apiKey: 16,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    f.int32('throttleTimeMs', '1+'),
    f.int16('errorCode', '0+'),
    f.array('groups', '0+', [
      f.string('groupId', '0+'),
      f.string('protocolType', '0+'),
      f.string('groupState', '4+'),
      f.string('groupType', '5+'),
    ]),
  ],
};

export const listGroupsApi: ApiSchema = { apiKey: 16, name: 'ListGroups', request, response };
