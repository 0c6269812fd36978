// AlterClientQuotas (key 49), versions 0-1, flexible from 1. Per entity, quota values to set or
// remove; one result per entity.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';
import { type QuotaEntityData, quotaEntityField } from './describe-client-quotas.js';

export interface QuotaOpData extends TaggedStruct {
  key: string;
  value: number;
  remove: boolean;
}

export interface AlterClientQuotasEntry extends TaggedStruct {
  entity: QuotaEntityData[];
  ops: QuotaOpData[];
}

export interface AlterClientQuotasRequest extends TaggedStruct {
  entries: AlterClientQuotasEntry[];
  validateOnly: boolean;
}

export interface AlterClientQuotasResult extends TaggedStruct {
  errorCode: number;
  errorMessage: string | null;
  entity: QuotaEntityData[];
}

export interface AlterClientQuotasResponse extends TaggedStruct {
  throttleTimeMs: number;
  entries: AlterClientQuotasResult[];
}

const request: MessageSchema = {
  name: 'AlterClientQuotasRequest',
  apiKey: 49,
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    f.array('entries', '0+', [
      quotaEntityField(),
      f.array('ops', '0+', [f.string('key', '0+'), f.float64('value', '0+'), f.bool('remove', '0+')]),
    ]),
    f.bool('validateOnly', '0+'),
  ],
};

const response: MessageSchema = {
  name: 'AlterClientQuotasResponse',
  apiKey: 49,
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.array('entries', '0+', [
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
      quotaEntityField(),
    ]),
  ],
};

export const alterClientQuotasApi: ApiSchema = { apiKey: 49, name: 'AlterClientQuotas', request, response };
