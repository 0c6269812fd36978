// Heartbeat (key 12), versions 0-4, flexible from 4. v3 adds groupInstanceId.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface HeartbeatRequest extends TaggedStruct {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface HeartbeatResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
}

const request: MessageSchema = {
  name: 'HeartbeatRequest',
  apiKey: 12,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    f.string('groupId', '0+'),
    f.int32('generationId', '0+'),
    f.string('memberId', '0+'),
    f.string('groupInstanceId', '3+', { nullableVersions: '3+', default: null }),
  ],
};

const response: MessageSchema = {
  name: 'HeartbeatResponse',
  apiKey: 12,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [f.int32('throttleTimeMs', '1+'), f.int16('errorCode', '0+')],
};

export const heartbeatApi: ApiSchema = { apiKey: 12, name: 'Heartbeat', request, response };
