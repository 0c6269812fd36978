// JoinGroup (key 11), versions 0-9, flexible from 6. v1 adds rebalanceTimeoutMs; v4 makes a new
// member rejoin with the id it is given (MEMBER_ID_REQUIRED); v5 adds groupInstanceId (static
// membership); v7 returns protocolType; v8 adds reason; v9 adds skipAssignment.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface JoinGroupRequestProtocol extends TaggedStruct {
  name: string;
  /** For protocolType "consumer": a ConsumerProtocolSubscription (groups/consumer-protocol.ts). */
  metadata: Buffer;
}

export interface JoinGroupRequest extends TaggedStruct {
  groupId: string;
  sessionTimeoutMs: number;
  /** -1 when not sent (v0): the session timeout applies. */
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: JoinGroupRequestProtocol[];
  reason: string | null;
}

export interface JoinGroupResponseMember extends TaggedStruct {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: JoinGroupResponseMember[];
}

const request: MessageSchema = {
  name: 'JoinGroupRequest',
  apiKey: 11,
  type: 'request',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    f.string('groupId', '0+'),
    f.int32('sessionTimeoutMs', '0+'),
    f.int32('rebalanceTimeoutMs', '1+', { default: -1 }),
    f.string('memberId', '0+'),
    f.string('groupInstanceId', '5+', { nullableVersions: '5+', default: null }),
    f.string('protocolType', '0+'),
    f.array('protocols', '0+', [f.string('name', '0+'), f.bytes('metadata', '0+')]),
    f.string('reason', '8+', { nullableVersions: '8+', default: null }),
  ],
};

const response: MessageSchema = {
  name: 'JoinGroupResponse',
  apiKey: 11,
  type: 'response',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    f.int32('throttleTimeMs', '2+'),
    f.int16('errorCode', '0+'),
    f.int32('generationId', '0+', { default: -1 }),
    f.string('protocolType', '7+', { nullableVersions: '7+', default: null }),
    f.string('protocolName', '0+', { nullableVersions: '7+' }),
    f.string('leader', '0+'),
    f.bool('skipAssignment', '9+', { default: false }),
    f.string('memberId', '0+'),
    f.array('members', '0+', [
      f.string('memberId', '0+'),
      f.string('groupInstanceId', '5+', { nullableVersions: '5+', default: null }),
      f.bytes('metadata', '0+'),
    ]),
  ],
};

export const joinGroupApi: ApiSchema = { apiKey: 11, name: 'JoinGroup', request, response };
