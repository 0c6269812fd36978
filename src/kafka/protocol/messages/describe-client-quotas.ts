// DescribeClientQuotas (key 48), versions 0-1, flexible from 1. Filter components select entities
// (match type 0: the exact name, 1: the default, 2: any name); strict leaves out entities with
// other entity types.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface QuotaComponentData extends TaggedStruct {
  entityType: string;
  matchType: number;
  match: string | null;
}

export interface DescribeClientQuotasRequest extends TaggedStruct {
  components: QuotaComponentData[];
  strict: boolean;
}

export interface QuotaEntityData extends TaggedStruct {
  entityType: string;
  /** null: the default entity of this type. */
  entityName: string | null;
}

export interface QuotaValueData extends TaggedStruct {
  key: string;
  value: number;
}

export interface DescribeClientQuotasEntry extends TaggedStruct {
  entity: QuotaEntityData[];
  values: QuotaValueData[];
}

export interface DescribeClientQuotasResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  /** null when errorCode is set. */
  entries: DescribeClientQuotasEntry[] | null;
}

const entity = () =>
  f.array('entity', '0+', [f.string('entityType', '0+'), f.string('entityName', '0+', { nullableVersions: '0+' })]);

const request: MessageSchema = {
  name: 'DescribeClientQuotasRequest',
  apiKey: 48,
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    f.array('components', '0+', [
      f.string('entityType', '0+'),
      f.int8('matchType', '0+'),
      f.string('match', '0+', { nullableVersions: '0+' }),
    ]),
    f.bool('strict', '0+'),
  ],
};

const response: MessageSchema = {
  name: 'DescribeClientQuotasResponse',
  apiKey: 48,
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
    f.array('entries', '0+', [entity(), f.array('values', '0+', [f.string('key', '0+'), f.float64('value', '0+')])], {
      nullableVersions: '0+',
    }),
  ],
};

export const describeClientQuotasApi: ApiSchema = { apiKey: 48, name: 'DescribeClientQuotas', request, response };
export { entity as quotaEntityField };
