// AlterUserScramCredentials (key 51), version 0, flexible. The client salts and hashes the
// password itself (SaltedPassword = Hi(password, salt, iterations)); the broker keeps only the
// keys derived from it. Answered once per user.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface ScramCredentialDeletion extends TaggedStruct {
  name: string;
  mechanism: number;
}

export interface ScramCredentialUpsertion extends TaggedStruct {
  name: string;
  mechanism: number;
  iterations: number;
  salt: Buffer;
  saltedPassword: Buffer;
}

export interface AlterUserScramCredentialsRequest extends TaggedStruct {
  deletions: ScramCredentialDeletion[];
  upsertions: ScramCredentialUpsertion[];
}

export interface AlterUserScramCredentialsResult extends TaggedStruct {
  user: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface AlterUserScramCredentialsResponse extends TaggedStruct {
  throttleTimeMs: number;
  results: AlterUserScramCredentialsResult[];
}

const request: MessageSchema = {
  name: 'AlterUserScramCredentialsRequest',
  apiKey: 51,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    f.array('deletions', '0+', [f.string('name', '0+'), f.int8('mechanism', '0+')]),
    f.array('upsertions', '0+', [
      f.string('name', '0+'),
      f.int8('mechanism', '0+'),
      f.int32('iterations', '0+'),
      f.bytes('salt', '0+'),
      f.bytes('saltedPassword', '0+'),
    ]),
  ],
};

const response: MessageSchema = {
  name: 'AlterUserScramCredentialsResponse',
  apiKey: 51,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.array('results', '0+', [
      f.string('user', '0+'),
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '0+', { nullableVersions: '0+' }),
    ]),
  ],
};

export const alterUserScramCredentialsApi: ApiSchema = {
  apiKey: 51,
  name: 'AlterUserScramCredentials',
  request,
  response,
};
