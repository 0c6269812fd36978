// SyncGroup (key 14), versions 0-5, flexible from 4. v3 adds groupInstanceId; v5 adds
// protocolType and protocolName both ways, which the coordinator checks against the group's.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface SyncGroupRequestAssignment extends TaggedStruct {
  memberId: string;
  /** For protocolType "consumer": a ConsumerProtocolAssignment (groups/consumer-protocol.ts). */
  assignment: Buffer;
}

export interface SyncGroupRequest extends TaggedStruct {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  /** Filled by the leader only; empty from followers. */
  assignments: SyncGroupRequestAssignment[];
}

export interface SyncGroupResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

const request: MessageSchema = {
  name: 'SyncGroupRequest',
  apiKey: 14,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    f.string('groupId', '0+'),
    f.int32('generationId', '0+'),
    f.string('memberId', '0+'),
    f.string('groupInstanceId', '3+', { nullableVersions: '3+', default: null }),
    f.string('protocolType', '5+', { nullableVersions: '5+', default: null }),
    f.string('protocolName', '5+', { nullableVersions: '5+', default: null }),
    f.array('assignments', '0+', [f.string('memberId', '0+'), f.bytes('assignment', '0+')]),
  ],
};

const response: MessageSchema = {
  name: 'SyncGroupResponse',
  apiKey: 14,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    f.int32('throttleTimeMs', '1+'),
    f.int16('errorCode', '0+'),
    f.string('protocolType', '5+', { nullableVersions: '5+', default: null }),
    f.string('protocolName', '5+', { nullableVersions: '5+', default: null }),
    f.bytes('assignment', '0+'),
  ],
};

export const syncGroupApi: ApiSchema = { apiKey: 14, name: 'SyncGroup', request, response };
