// RemoveRaftVoter (key 81), version 0, flexible (KIP-853): take a voter out of the metadata quorum.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface RemoveRaftVoterRequest extends TaggedStruct {
  /** null: the caller does not check the cluster id. */
  clusterId: string | null;
  voterId: number;
  voterDirectoryId: string;
}

export interface RemoveRaftVoterResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
}

const request: MessageSchema = {
  name: 'RemoveRaftVoterRequest',
  apiKey: 81,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    f.string('clusterId', '0+', { nullableVersions: '0+' }),
    f.int32('voterId', '0+'),
    f.uuid('voterDirectoryId', '0+'),
  ],
};

const response: MessageSchema = {
  name: 'RemoveRaftVoterResponse',
  apiKey: 81,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
  ],
};

export const removeRaftVoterApi: ApiSchema = { apiKey: 81, name: 'RemoveRaftVoter', request, response };
