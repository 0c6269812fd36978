// The ACL and client quota schemas: Kafka's keys and version ranges, and the bytes real clients
// send and read — kafkajs's CreateAcls/DescribeAcls/DeleteAcls v1 (classic) and
// @platformatic/kafka's v3 (flexible) and quota APIs v1 — decode here to what the client meant,
// and our responses parse there. (Round trips and hostile bytes of every version are covered by
// protocol-properties.test.ts, which walks every registered schema.)
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/common/binary/reader.js';
import { concat } from '../../src/common/binary/writer.js';
import { apiSchemas, decodeRequest, encodeResponse } from '../../src/kafka/protocol/index.js';
import type { AlterClientQuotasRequest } from '../../src/kafka/protocol/messages/alter-client-quotas.js';
import type { CreateAclsRequest } from '../../src/kafka/protocol/messages/create-acls.js';
import type { DeleteAclsRequest } from '../../src/kafka/protocol/messages/delete-acls.js';
import type { DescribeAclsRequest } from '../../src/kafka/protocol/messages/describe-acls.js';
import type { DescribeClientQuotasRequest } from '../../src/kafka/protocol/messages/describe-client-quotas.js';

const require = createRequire(import.meta.url);
const plt = '../../node_modules/@platformatic/kafka/dist';
interface PltModule {
  createRequest: (...args: unknown[]) => { buffer: Buffer };
  parseResponse: (
    correlationId: number,
    apiKey: number,
    apiVersion: number,
    reader: unknown,
  ) => Record<string, unknown>;
}
const load = async (path: string): Promise<PltModule> => (await import(`${plt}/apis/admin/${path}`)) as PltModule;
const pltReader = async (): Promise<{ from: (b: Buffer) => unknown }> =>
  ((await import(`${plt}/protocol/reader.js`)) as { Reader: { from: (b: Buffer) => unknown } }).Reader;

/** A response body from an encoded frame: past the size, the correlation id and (flexible) the tags. */
function body(chunks: Buffer[], flexible: boolean): Buffer {
  return concat(chunks).subarray(4 + 4 + (flexible ? 1 : 0));
}

interface KafkajsRequest {
  encode: () => Promise<{ buffer: Buffer }>;
}
type KafkajsResponse = { decode: (b: Buffer) => Promise<Record<string, unknown>> };

const aliceReads = {
  resourceType: 2,
  resourceName: 'orders',
  resourcePatternType: 4,
  principal: 'User:alice',
  host: '*',
  operation: 3,
  permissionType: 3,
};

describe('ACL and quota schemas', () => {
  it('have Kafka 3.9’s keys and versions', () => {
    const expected: Record<number, [string, string, string]> = {
      29: ['DescribeAcls', '0-3', '2+'],
      30: ['CreateAcls', '0-3', '2+'],
      31: ['DeleteAcls', '0-3', '2+'],
      48: ['DescribeClientQuotas', '0-1', '1+'],
      49: ['AlterClientQuotas', '0-1', '1+'],
    };
    for (const [key, [name, valid, flexible]] of Object.entries(expected)) {
      const api = apiSchemas.get(Number(key))!;
      expect(api.name).toBe(name);
      for (const schema of [api.request, api.response]) {
        expect(schema.validVersions).toBe(valid);
        expect(schema.flexibleVersions).toBe(flexible);
      }
    }
  });
});

describe('kafkajs ACL requests (v1)', () => {
  it('CreateAcls decodes; our response parses', async () => {
    const request = require('kafkajs/src/protocol/requests/createAcls/v1/request') as (a: unknown) => KafkajsRequest;
    const encoded = await request({ creations: [aliceReads] }).encode();
    expect(decodeRequest<CreateAclsRequest>(30, 1, new Reader(encoded.buffer)).creations).toEqual([aliceReads]);
    const response = require('kafkajs/src/protocol/requests/createAcls/v1/response') as KafkajsResponse;
    const frame = encodeResponse(30, 1, 7, {
      throttleTimeMs: 5,
      results: [{ errorCode: 0, errorMessage: null }],
    });
    // kafkajs reads v1+ throttle times as KIP-219's: the client waits, the broker answered at once.
    expect(await response.decode(body(frame, false))).toMatchObject({
      clientSideThrottleTime: 5,
      creationResponses: [{ errorCode: 0, errorMessage: null }],
    });
  });

  it('DescribeAcls decodes null filters; our grouped response parses', async () => {
    const request = require('kafkajs/src/protocol/requests/describeAcls/v1/request') as (a: unknown) => KafkajsRequest;
    const filter = { ...aliceReads, resourceName: null, principal: null, host: null, operation: 1, permissionType: 1 };
    const encoded = await request(filter).encode();
    expect(decodeRequest<DescribeAclsRequest>(29, 1, new Reader(encoded.buffer))).toEqual({
      resourceTypeFilter: 2,
      resourceNameFilter: null,
      patternTypeFilter: 4,
      principalFilter: null,
      hostFilter: null,
      operation: 1,
      permissionType: 1,
    });
    const frame = encodeResponse(29, 1, 7, {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      resources: [
        {
          resourceType: 2,
          resourceName: 'orders',
          patternType: 4,
          acls: [{ principal: 'User:alice', host: '*', operation: 3, permissionType: 3 }],
        },
      ],
    });
    const response = require('kafkajs/src/protocol/requests/describeAcls/v1/response') as KafkajsResponse;
    expect(await response.decode(body(frame, false))).toMatchObject({
      resources: [
        {
          resourceType: 2,
          resourceName: 'orders',
          resourcePatternType: 4,
          acls: [{ principal: 'User:alice', host: '*', operation: 3, permissionType: 3 }],
        },
      ],
    });
  });

  it('DeleteAcls decodes; our response parses', async () => {
    const request = require('kafkajs/src/protocol/requests/deleteAcls/v1/request') as (a: unknown) => KafkajsRequest;
    const encoded = await request({ filters: [{ ...aliceReads, host: null }] }).encode();
    expect(decodeRequest<DeleteAclsRequest>(31, 1, new Reader(encoded.buffer)).filters).toEqual([
      {
        resourceTypeFilter: 2,
        resourceNameFilter: 'orders',
        patternTypeFilter: 4,
        principalFilter: 'User:alice',
        hostFilter: null,
        operation: 3,
        permissionType: 3,
      },
    ]);
    const frame = encodeResponse(31, 1, 7, {
      throttleTimeMs: 0,
      filterResults: [
        {
          errorCode: 0,
          errorMessage: null,
          matchingAcls: [{ errorCode: 0, errorMessage: null, ...aliceReads, patternType: 4 }],
        },
      ],
    });
    const response = require('kafkajs/src/protocol/requests/deleteAcls/v1/response') as KafkajsResponse;
    expect(await response.decode(body(frame, false))).toMatchObject({
      filterResponses: [{ errorCode: 0, matchingAcls: [{ resourceName: 'orders', resourcePatternType: 4 }] }],
    });
  });
});

describe('@platformatic/kafka ACL (v3) and quota (v1) requests', () => {
  it('CreateAcls v3 decodes; our response parses', async () => {
    const api = await load('create-acls-v3.js');
    const request = decodeRequest<CreateAclsRequest>(30, 3, new Reader(api.createRequest([aliceReads]).buffer));
    expect(request.creations).toEqual([aliceReads]);
    const Reader_ = await pltReader();
    const ok = encodeResponse(30, 3, 1, { throttleTimeMs: 0, results: [{ errorCode: 0, errorMessage: null }] });
    expect(api.parseResponse(1, 30, 3, Reader_.from(body(ok, true)))['results']).toEqual([
      { errorCode: 0, errorMessage: null },
    ]);
    // A failed creation is read as the error it is.
    const failed = encodeResponse(30, 3, 1, { throttleTimeMs: 0, results: [{ errorCode: 42, errorMessage: 'no' }] });
    expect(() => api.parseResponse(1, 30, 3, Reader_.from(body(failed, true)))).toThrow(/error while executing/);
  });

  it('DescribeAcls v3 and DeleteAcls v3 decode; our responses parse', async () => {
    const describe = await load('describe-acls-v3.js');
    const filter = { ...aliceReads, resourceName: null, principal: 'User:alice', host: null };
    const decoded = decodeRequest<DescribeAclsRequest>(29, 3, new Reader(describe.createRequest(filter).buffer));
    expect(decoded).toMatchObject({ resourceTypeFilter: 2, resourceNameFilter: null, principalFilter: 'User:alice' });
    const Reader_ = await pltReader();
    const described = describe.parseResponse(
      1,
      29,
      3,
      Reader_.from(
        body(
          encodeResponse(29, 3, 1, {
            throttleTimeMs: 0,
            errorCode: 0,
            errorMessage: null,
            resources: [{ resourceType: 2, resourceName: 'orders', patternType: 3, acls: [] }],
          }),
          true,
        ),
      ),
    );
    expect(described['resources']).toEqual([
      { resourceType: 2, resourceName: 'orders', resourcePatternType: 3, acls: [] },
    ]);
    const del = await load('delete-acls-v3.js');
    const filters = decodeRequest<DeleteAclsRequest>(31, 3, new Reader(del.createRequest([filter]).buffer)).filters;
    expect(filters[0]).toMatchObject({ resourceNameFilter: null, hostFilter: null, operation: 3 });
  });

  it('DescribeClientQuotas and AlterClientQuotas v1 decode; our responses parse', async () => {
    const describe = await load('describe-client-quotas-v0.js');
    const components = [
      { entityType: 'user', matchType: 0, match: 'alice' },
      { entityType: 'client-id', matchType: 1 },
    ];
    expect(
      decodeRequest<DescribeClientQuotasRequest>(48, 1, new Reader(describe.createRequest(components, true).buffer)),
    ).toEqual({
      components: [
        { entityType: 'user', matchType: 0, match: 'alice' },
        { entityType: 'client-id', matchType: 1, match: null },
      ],
      strict: true,
    });
    const Reader_ = await pltReader();
    const entry = {
      entity: [{ entityType: 'user', entityName: 'alice' }],
      values: [{ key: 'producer_byte_rate', value: 1048576 }],
    };
    const described = describe.parseResponse(
      1,
      48,
      1,
      Reader_.from(
        body(encodeResponse(48, 1, 1, { throttleTimeMs: 0, errorCode: 0, errorMessage: null, entries: [entry] }), true),
      ),
    );
    expect(described['entries']).toEqual([entry]);

    const alter = await load('alter-client-quotas-v1.js');
    const entries = [
      {
        entities: [{ entityType: 'user', entityName: null }],
        ops: [{ key: 'consumer_byte_rate', value: 2048, remove: false }],
      },
      {
        entities: [{ entityType: 'client-id', entityName: 'app' }],
        ops: [{ key: 'request_percentage', remove: true }],
      },
    ];
    const request = decodeRequest<AlterClientQuotasRequest>(
      49,
      1,
      new Reader(alter.createRequest(entries, false).buffer),
    );
    expect(request.entries).toEqual([
      {
        entity: [{ entityType: 'user', entityName: null }],
        ops: [{ key: 'consumer_byte_rate', value: 2048, remove: false }],
      },
      {
        entity: [{ entityType: 'client-id', entityName: 'app' }],
        ops: [{ key: 'request_percentage', value: 0, remove: true }],
      },
    ]);
    const altered = alter.parseResponse(
      1,
      49,
      1,
      Reader_.from(
        body(
          encodeResponse(49, 1, 1, {
            throttleTimeMs: 0,
            entries: [{ errorCode: 0, errorMessage: null, entity: [{ entityType: 'user', entityName: null }] }],
          }),
          true,
        ),
      ),
    );
    expect(altered['entries']).toEqual([
      { errorCode: 0, errorMessage: null, entity: [{ entityType: 'user', entityName: null }] },
    ]);
  });
});
