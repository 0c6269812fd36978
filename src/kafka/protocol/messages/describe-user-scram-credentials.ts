// DescribeUserScramCredentials (key 50), version 0, flexible. Null or empty users: every user with
// a credential; each user's mechanisms and iterations, never a salt or key.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface DescribeUserScramCredentialsRequest extends TaggedStruct {
  users: { name: string }[] | null;
}

export interface CredentialInfo extends TaggedStruct {
  mechanism: number;
  iterations: number;
}

export interface DescribeUserScramCredentialsResult extends TaggedStruct {
  user: string;
  errorCode: number;
  errorMessage: string | null;
  credentialInfos: CredentialInfo[];
}

export interface DescribeUserScramCredentialsResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  results: DescribeUserScramCredentialsResult[];
}

const request: MessageSchema = {
  name: 'DescribeUserScramCredentialsRequest',
  apiKey: 50,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [f.array('users', '0+', [f.string('name', '0+')], { nullableVersions: '0+' })],
};

const response: MessageSchema = {
  name: 'DescribeUserScramCredentialsResponse',
  apiKey: 50,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '0+', { nullableVersions: '0+' }),
    f.array('results', '0+', [
      f.string('user', '0+'),
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '0+', { nullableVersions: '0+' }),
      f.array('credentialInfos', '0+', [f.int8('mechanism', '0+'), f.int32('iterations', '0+')]),
    ]),
  ],
};

export const describeUserScramCredentialsApi: ApiSchema = {
  apiKey: 50,
  name: 'DescribeUserScramCredentials',
  request,
  response,
};
