// Properties of the codec over every API schema and every version it describes:
//  * round trip: decode(encode(v)) = v for random valid values (unknown tagged fields included);
//  * truncation: every proper prefix of a valid encoding is refused with ProtocolError;
//  * hostility: random or corrupted bytes never raise anything but ProtocolError, and hostile
//    counts are refused before anything large is allocated.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProtocolError } from '../../src/common/errors.js';
import {
  concat,
  decodeMessage,
  encodeMessageToBuffers,
  type MessageSchema,
  Reader,
  Writer,
} from '../../src/common/index.js';
import { allApis, decodeRequest, decodeRequestHeader, encodeRequestHeader } from '../../src/kafka/protocol/index.js';
import { messageArbitrary, versionsOf } from './schema-arbitrary.js';

const schemas: { schema: MessageSchema; version: number }[] = allApis.flatMap((api) =>
  [api.request, api.response].flatMap((schema) => versionsOf(schema).map((version) => ({ schema, version }))),
);

function onlyProtocolErrors(run: () => void): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
  }
}

describe('round trip', () => {
  it.each(schemas.map(({ schema, version }) => [`${schema.name} v${version}`, schema, version] as const))(
    '%s',
    (_name, schema, version) => {
      fc.assert(
        fc.property(messageArbitrary(schema, version), (value) => {
          const bytes = concat(encodeMessageToBuffers(schema, version, value));
          const reader = new Reader(bytes);
          expect(decodeMessage(schema, version, reader)).toEqual(value);
          expect(reader.remaining).toBe(0);
        }),
        { numRuns: 25 },
      );
    },
  );
});

describe('truncation', () => {
  it('every proper prefix of a valid encoding is a ProtocolError', () => {
    for (const { schema, version } of schemas) {
      const samples = fc.sample(messageArbitrary(schema, version), { numRuns: 3, seed: version + 17 });
      for (const value of samples) {
        const bytes = concat(encodeMessageToBuffers(schema, version, value));
        for (let cut = 0; cut < bytes.length; cut++) {
          const prefix = bytes.subarray(0, cut);
          expect(
            () => decodeMessage(schema, version, new Reader(prefix)),
            `${schema.name} v${version} cut at ${cut}`,
          ).toThrow(ProtocolError);
        }
      }
    }
  });
});

describe('hostile bytes', () => {
  it('random frame bodies reach decodeRequest as ProtocolError or a value, never another error', () => {
    const requests = allApis.flatMap((api) => versionsOf(api.request).map((version) => ({ api, version })));
    for (const { api, version } of requests) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (tail) => {
          // A valid header for this API and version, then random bytes as the body.
          const writer = new Writer();
          encodeRequestHeader(writer, {
            requestApiKey: api.apiKey,
            requestApiVersion: version,
            correlationId: 1,
            clientId: 'fuzz',
          });
          const frame = Buffer.concat([...writer.finish(), Buffer.from(tail)]);
          onlyProtocolErrors(() => {
            const { header, reader } = decodeRequestHeader(frame);
            decodeRequest(header.requestApiKey, header.requestApiVersion, reader);
          });
        }),
        { numRuns: 40 },
      );
    }
  });

  it('entirely random frames never raise anything but ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyProtocolErrors(() => {
          const { header, supported, reader } = decodeRequestHeader(Buffer.from(bytes));
          if (supported) decodeRequest(header.requestApiKey, header.requestApiVersion, reader);
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('corrupting bytes of valid encodings never raises anything but ProtocolError', () => {
    for (const { schema, version } of schemas) {
      const [value] = fc.sample(messageArbitrary(schema, version), { numRuns: 1, seed: version });
      const bytes = concat(encodeMessageToBuffers(schema, version, value!));
      if (bytes.length === 0) continue;
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), {
            minLength: 1,
            maxLength: 4,
          }),
          (edits) => {
            const corrupted = Buffer.from(bytes);
            for (const [at, byte] of edits) corrupted[at] = byte;
            onlyProtocolErrors(() => decodeMessage(schema, version, new Reader(corrupted)));
          },
        ),
        { numRuns: 30 },
      );
    }
  });

  it('refuses huge counts without allocating for them', () => {
    // Produce v3: transactionalId null, acks, timeout, then a topic count of 2^31-1.
    const classic = Buffer.from('0000000300000001ffff' + 'ffff' + 'ffff' + '00007530' + '7fffffff', 'hex');
    const { header, reader } = decodeRequestHeader(classic);
    expect(() => decodeRequest(header.requestApiKey, header.requestApiVersion, reader)).toThrow(/count/);
    // Produce v9: a compact count of 2^32-2 in a 5-byte varint.
    const compact = Buffer.from('0000000900000001ffff00' + '00' + 'ffff' + '00007530' + 'ffffffff0f', 'hex');
    const decoded = decodeRequestHeader(compact);
    expect(() => decodeRequest(0, 9, decoded.reader)).toThrow(ProtocolError);
    // A string claiming more bytes than the frame has.
    const metadata = Buffer.from('0003000100000001ffff' + '00000001' + '7fff', 'hex');
    const m = decodeRequestHeader(metadata);
    expect(() => decodeRequest(3, 1, m.reader)).toThrow(ProtocolError);
  });
});
