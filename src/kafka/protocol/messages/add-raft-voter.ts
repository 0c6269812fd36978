// AddRaftVoter (key 80), versions 0-1, flexible in every version (KIP-853): promote a replica of
// the metadata quorum to voter. v1 adds AckWhenCommitted (answer once the new voter set commits,
// the default, or once the leader wrote it).
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface AddRaftVoterListener extends TaggedStruct {
  name: string;
  host: string;
  port: number;
}

export interface AddRaftVoterRequest extends TaggedStruct {
  /** null: the caller does not check the cluster id. */
  clusterId: string | null;
  timeoutMs: number;
  voterId: number;
  voterDirectoryId: string;
  /** The voter's controller endpoints. */
  listeners: AddRaftVoterListener[];
  /** v1+. */
  ackWhenCommitted: boolean;
}

export interface AddRaftVoterResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
}

const request: MessageSchema = {
  name: 'AddRaftVoterRequest',
  apiKey: 80,
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    f.string('clusterId', '0+', { nullableVersions: '0+' }),
    f.int32('timeoutMs', '0+'),
    f.int32('voterId', '0+'),
    f.uuid('voterDirectoryId', '0+'),
    f.array('listeners', '0+', [f.string('name', '0+'), f.string('host', '0+'), f.uint16('port', '0+')]),
    f.bool('ackWhenCommitted', '1+', { default: true }),
  ],
};

const response: MessageSchema = {
  name: 'AddRaftVoterResponse',
  apiKey: 80,
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
  ],
};

export const addRaftVoterApi: ApiSchema = { apiKey: 80, name: 'AddRaftVoter', request, response };
