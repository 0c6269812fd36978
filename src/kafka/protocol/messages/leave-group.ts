// LeaveGroup (key 13), versions 0-5, flexible from 4. v0-2 name one `memberId`; v3 batches
// `members` (with groupInstanceId) and answers per member; v5 adds a per-member reason.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface MemberIdentity extends TaggedStruct {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

export interface LeaveGroupRequest extends TaggedStruct {
  groupId: string;
  /** v0-2. */
  memberId: string;
  /** v3+. */
  members: MemberIdentity[];
}

export interface LeaveGroupMemberResponse extends TaggedStruct {
  memberId: string;
  groupInstanceId: string | null;
  errorCode: number;
}

export interface LeaveGroupResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  /** v3+. */
  members: LeaveGroupMemberResponse[];
}

const request: MessageSchema = {
  name: 'LeaveGroupRequest',
  apiKey: 13,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    f.string('groupId', '0+'),
    f.string('memberId', '0-2'),
    f.array('members', '3+', [
      f.string('memberId', '3+'),
      f.string('groupInstanceId', '3+', { nullableVersions: '3+', default: null }),
      f.string('reason', '5+', { nullableVersions: '5+', default: null }),
    ]),
  ],
};

const response: MessageSchema = {
  name: 'LeaveGroupResponse',
  apiKey: 13,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    f.int32('throttleTimeMs', '1+'),
    f.int16('errorCode', '0+'),
    f.array('members', '3+', [
      f.string('memberId', '3+'),
      f.string('groupInstanceId', '3+', { nullableVersions: '3+' }),
      f.int16('errorCode', '3+'),
    ]),
  ],
};

export const leaveGroupApi: ApiSchema = { apiKey: 13, name: 'LeaveGroup', request, response };
