// FindCoordinator (key 10), versions 0-6, flexible from 3. v1 adds keyType (0 group,
// 1 transaction, 2 share group); v4 batches: `coordinatorKeys` in, `coordinators` out, and the
// single-key fields are gone. v5 and v6 only add error codes and the share key type.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export const CoordinatorKeyType = { group: 0, transaction: 1, share: 2 } as const;

export interface FindCoordinatorRequest extends TaggedStruct {
  /** v0-3. */
  key: string;
  keyType: number;
  /** v4+. */
  coordinatorKeys: string[];
}

export interface Coordinator extends TaggedStruct {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface FindCoordinatorResponse extends TaggedStruct {
  throttleTimeMs: number;
  /** v0-3 (the single-key answer). */
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
  /** v4+. */
  coordinators: Coordinator[];
}

const request: MessageSchema = {
  name: 'FindCoordinatorRequest',
  apiKey: 10,
  type: 'request',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [f.string('key', '0-3'), f.int8('keyType', '1+', { default: 0 }), f.array('coordinatorKeys', '4+', 'string')],
};

const response: MessageSchema = {
  name: 'FindCoordinatorResponse',
  apiKey: 10,
  type: 'response',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    f.int32('throttleTimeMs', '1+'),
    f.int16('errorCode', '0-3'),
    f.string('errorMessage', '1-3', { nullableVersions: '1-3' }),
    f.int32('nodeId', '0-3'),
    f.string('host', '0-3'),
    f.int32('port', '0-3'),
    f.array('coordinators', '4+', [
      f.string('key', '4+'),
      f.int32('nodeId', '4+'),
      f.string('host', '4+'),
      f.int32('port', '4+'),
      f.int16('errorCode', '4+'),
      f.string('errorMessage', '4+', { nullableVersions: '4+' }),
    ]),
  ],
};

export const findCoordinatorApi: ApiSchema = { apiKey: 10, name: 'FindCoordinator', request, response };
