// The SASL and SCRAM-admin messages against real clients' codecs: SaslHandshake and
// SaslAuthenticate as kafkajs (v0/v1) and @platformatic/kafka (v1/v2) write them, our answers
// parsed by them, and AlterUserScramCredentials / DescribeUserScramCredentials as platformatic
// encodes and parses them.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/common/binary/reader.js';
import { concat } from '../../src/common/binary/writer.js';
import { decodeRequest, encodeResponse } from '../../src/kafka/protocol/index.js';
import type { AlterUserScramCredentialsRequest } from '../../src/kafka/protocol/messages/alter-user-scram-credentials.js';
import type { DescribeUserScramCredentialsRequest } from '../../src/kafka/protocol/messages/describe-user-scram-credentials.js';
import type { SaslAuthenticateRequest } from '../../src/kafka/protocol/messages/sasl-authenticate.js';
import type { SaslHandshakeRequest } from '../../src/kafka/protocol/messages/sasl-handshake.js';

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
const load = async (path: string): Promise<PltModule> => (await import(`${plt}/${path}`)) as PltModule;
const pltReader = async (): Promise<{ from: (b: Buffer) => unknown }> =>
  ((await import(`${plt}/protocol/reader.js`)) as { Reader: { from: (b: Buffer) => unknown } }).Reader;
const require = createRequire(import.meta.url);

function body(chunks: Buffer[], headerBytes: number): Buffer {
  return concat(chunks).subarray(4 + headerBytes);
}

interface KafkajsRequest {
  encode: () => Promise<{ buffer: Buffer }>;
}
interface KafkajsResponse {
  decode: (b: Buffer) => Promise<Record<string, unknown>>;
}

describe('kafkajs SASL messages', () => {
  it('SaslHandshake v0 and v1 requests decode; our answer parses', async () => {
    for (const version of [0, 1]) {
      const request = require(`kafkajs/src/protocol/requests/saslHandshake/v${version}/request`) as (a: {
        mechanism: string;
      }) => KafkajsRequest;
      const encoded = await request({ mechanism: 'SCRAM-SHA-512' }).encode();
      expect(decodeRequest<SaslHandshakeRequest>(17, version, new Reader(encoded.buffer))).toEqual({
        mechanism: 'SCRAM-SHA-512',
      });
      const response = require(`kafkajs/src/protocol/requests/saslHandshake/v${version}/response`) as KafkajsResponse;
      const frame = encodeResponse(17, version, 1, { errorCode: 0, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] });
      expect(await response.decode(body(frame, 4))).toMatchObject({
        errorCode: 0,
        enabledMechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
      });
    }
  });

  it('SaslAuthenticate v1 request decodes; our answer with the session lifetime parses', async () => {
    const Encoder = require('kafkajs/src/protocol/encoder') as new () => {
      writeBytes: (b: Buffer) => { buffer: Buffer };
    };
    const request = require('kafkajs/src/protocol/requests/saslAuthenticate/v1/request') as (a: {
      authBytes: Buffer;
    }) => KafkajsRequest;
    // kafkajs hands its mechanisms' tokens over already length-prefixed.
    const encoded = await request({ authBytes: new Encoder().writeBytes(Buffer.from('n,,n=a,r=x')).buffer }).encode();
    expect(decodeRequest<SaslAuthenticateRequest>(36, 1, new Reader(encoded.buffer)).authBytes.toString()).toBe(
      'n,,n=a,r=x',
    );
    const response = require('kafkajs/src/protocol/requests/saslAuthenticate/v1/response') as KafkajsResponse;
    const frame = encodeResponse(36, 1, 1, {
      errorCode: 0,
      errorMessage: null,
      authBytes: Buffer.from('v=abc'),
      sessionLifetimeMs: 60_000,
    });
    expect(await response.decode(body(frame, 4))).toMatchObject({ errorCode: 0, sessionLifetimeMs: '60000' });
  });
});

describe('@platformatic/kafka SASL and SCRAM admin messages', () => {
  it('SaslHandshake v1 and SaslAuthenticate v2 (flexible) round-trip', async () => {
    const handshake = await load('apis/security/sasl-handshake-v1.js');
    expect(decodeRequest(17, 1, new Reader(handshake.createRequest('PLAIN').buffer))).toEqual({ mechanism: 'PLAIN' });
    const authenticate = await load('apis/security/sasl-authenticate-v2.js');
    const decoded = decodeRequest<SaslAuthenticateRequest>(
      36,
      2,
      new Reader(authenticate.createRequest(Buffer.from('\u0000u\u0000p')).buffer),
    );
    expect(decoded.authBytes.toString()).toBe('\u0000u\u0000p');
    const Reader_ = await pltReader();
    const frame = encodeResponse(36, 2, 1, {
      errorCode: 0,
      errorMessage: null,
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 1234,
    });
    expect(authenticate.parseResponse(1, 36, 2, Reader_.from(body(frame, 5)))).toMatchObject({
      errorCode: 0,
      sessionLifetimeMs: 1234n,
    });
  });

  it('AlterUserScramCredentials v0 request decodes; our per-user answer parses', async () => {
    const api = await load('apis/admin/alter-user-scram-credentials-v0.js');
    const salt = Buffer.from('salty');
    const saltedPassword = Buffer.alloc(32, 7);
    const decoded = decodeRequest<AlterUserScramCredentialsRequest>(
      51,
      0,
      new Reader(
        api.createRequest(
          [{ name: 'old', mechanism: 2 }],
          [{ name: 'alice', mechanism: 1, iterations: 8192, salt, saltedPassword }],
        ).buffer,
      ),
    );
    expect(decoded.deletions).toEqual([{ name: 'old', mechanism: 2 }]);
    expect(decoded.upsertions).toEqual([{ name: 'alice', mechanism: 1, iterations: 8192, salt, saltedPassword }]);
    const Reader_ = await pltReader();
    const frame = encodeResponse(51, 0, 1, {
      throttleTimeMs: 0,
      results: [{ user: 'alice', errorCode: 0, errorMessage: null }],
    });
    expect(api.parseResponse(1, 51, 0, Reader_.from(body(frame, 5)))).toEqual({
      throttleTimeMs: 0,
      results: [{ user: 'alice', errorCode: 0, errorMessage: null }],
    });
  });

  it('DescribeUserScramCredentials v0 request decodes; our answer parses', async () => {
    const api = await load('apis/admin/describe-user-scram-credentials-v0.js');
    const decoded = decodeRequest<DescribeUserScramCredentialsRequest>(
      50,
      0,
      new Reader(api.createRequest([{ name: 'alice' }]).buffer),
    );
    expect(decoded.users).toEqual([{ name: 'alice' }]);
    const Reader_ = await pltReader();
    const frame = encodeResponse(50, 0, 1, {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      results: [
        { user: 'alice', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 8192 }] },
      ],
    });
    expect(api.parseResponse(1, 50, 0, Reader_.from(body(frame, 5)))).toMatchObject({
      results: [{ user: 'alice', credentialInfos: [{ mechanism: 1, iterations: 8192 }] }],
    });
  });
});
