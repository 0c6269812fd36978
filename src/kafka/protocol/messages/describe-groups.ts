// DescribeGroups (key 15), versions 0-5, flexible from 5. v3 adds authorized operations; v4 adds
// each member's groupInstanceId.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface DescribeGroupsRequest extends TaggedStruct {
  groups: string[];
  includeAuthorizedOperations: boolean;
}

export interface DescribedGroupMember extends TaggedStruct {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The member's metadata for the chosen protocol; sent only while the group is Stable. */
  memberMetadata: Buffer;
  /** The member's assignment; sent only while the group is Stable. */
  memberAssignment: Buffer;
}

export interface DescribedGroup extends TaggedStruct {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  /** The chosen protocol name; empty unless the group is Stable. */
  protocolData: string;
  members: DescribedGroupMember[];
  /** A bit set; -2^31 when not requested. */
  authorizedOperations: number;
}

export interface DescribeGroupsResponse extends TaggedStruct {
  throttleTimeMs: number;
  groups: DescribedGroup[];
}

/** AuthorizedOperations when the client did not ask for them. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

const request: MessageSchema = {
  name: 'DescribeGroupsRequest',
  apiKey: 15,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: [f.array('groups', '0+', 'string'), f.bool('includeAuthorizedOperations', '3+')],
};

const response: MessageSchema = {
  name: 'DescribeGroupsResponse',
  apiKey: 15,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: [
    f.int32('throttleTimeMs', '1+'),
    f.array('groups', '0+', [
      f.int16('errorCode', '0+'),
      f.string('groupId', '0+'),
      f.string('groupState', '0+'),
      f.string('protocolType', '0+'),
      f.string('protocolData', '0+'),
      f.array('members', '0+', [
        f.string('memberId', '0+'),
        f.string('groupInstanceId', '4+', { nullableVersions: '4+', default: null }),
        f.string('clientId', '0+'),
        f.string('clientHost', '0+'),
        f.bytes('memberMetadata', '0+'),
        f.bytes('memberAssignment', '0+'),
      ]),
      f.int32('authorizedOperations', '3+', { default: AUTHORIZED_OPERATIONS_OMITTED }),
    ]),
  ],
};

export const describeGroupsApi: ApiSchema = { apiKey: 15, name: 'DescribeGroups', request, response };
