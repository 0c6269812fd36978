// The Kafka wire-protocol codec: the registry of API schemas and frame-level encode and decode,
// over common's reader, writer and schema-driven codec (src/common/binary). The listener calls decodeRequestHeader, apiSchemas.get,
// decodeRequest and encodeResponse; everything else is for tests and internal forwarding.
import { assert, decodeMessage, encodeMessage, ProtocolError, Reader, Writer } from '../../common/index.js';
import type { ApiSchema } from './api-schema.js';
import { apiSchemas } from './registry.js';
import { decodeResponseHeader, encodeRequestHeader, encodeResponseHeader, isSupportedVersion } from './header.js';

export { apiSchemas, allApis } from './registry.js';
export {
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  isSupportedVersion,
  requestHeaderSchema,
  responseHeaderSchema,
  API_VERSIONS_KEY,
} from './header.js';
export type { RequestHeader, ResponseHeader, DecodedRequestHeader } from './header.js';
export type { ApiSchema } from './api-schema.js';

function apiFor(apiKey: number): ApiSchema | undefined {
  return apiSchemas.get(apiKey);
}

/**
 * Decodes a request body at `version`. An unknown API or version is a ProtocolError (Kafka closes
 * the connection); check `isSupportedVersion` first to answer ApiVersions instead. Trailing bytes
 * after the body are ignored, as Kafka does. The type parameter is the caller's promise (e.g.
 * `decodeRequest<ProduceRequest>(0, v, reader)`); the codec fills every field of the schema.
 */
export function decodeRequest<T extends object = Record<string, unknown>>(
  apiKey: number,
  version: number,
  reader: Reader,
): T {
  const api = apiFor(apiKey);
  if (api === undefined) throw new ProtocolError(`unknown api key ${apiKey}`);
  if (!isSupportedVersion(apiKey, version)) {
    throw new ProtocolError(`${api.name} has no request version ${version}`);
  }
  return decodeMessage(api.request, version, reader) as T;
}

/** Decodes a response body at `version` (the reader is past the response header). */
export function decodeResponse<T extends object = Record<string, unknown>>(
  apiKey: number,
  version: number,
  reader: Reader,
): T {
  const api = apiFor(apiKey);
  if (api === undefined) throw new ProtocolError(`unknown api key ${apiKey}`);
  if (!isSupportedVersion(apiKey, version)) {
    throw new ProtocolError(`${api.name} has no response version ${version}`);
  }
  return decodeMessage(api.response, version, reader) as T;
}

/** Reads a response frame body (after the size prefix): header, then body. */
export function decodeResponseFrame<T extends object = Record<string, unknown>>(
  apiKey: number,
  version: number,
  frameBody: Buffer,
): { correlationId: number; body: T } {
  const reader = new Reader(frameBody);
  const { correlationId } = decodeResponseHeader(apiKey, version, reader);
  return { correlationId, body: decodeResponse<T>(apiKey, version, reader) };
}

function finishFrame(writer: Writer, size: { buffer: Buffer; offset: number }): Buffer[] {
  const chunks = writer.finish();
  size.buffer.writeInt32BE(writer.length - 4, size.offset);
  return chunks;
}

/**
 * Encodes a whole response frame: int32 size, the response header of the right version
 * (v0 for ApiVersions), and the body. Large `records` buffers are in the vector uncopied.
 */
export function encodeResponse(apiKey: number, version: number, correlationId: number, body: unknown): Buffer[] {
  const api = apiFor(apiKey);
  assert(api !== undefined, `no schema for api key ${apiKey}`);
  const writer = new Writer();
  const size = writer.reserve(4);
  encodeResponseHeader(writer, apiKey, version, correlationId);
  encodeMessage(api.response, version, body as object, writer);
  return finishFrame(writer, size);
}

/** Encodes a whole request frame: int32 size, request header v1 or v2, and the body. */
export function encodeRequest(
  apiKey: number,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: unknown,
): Buffer[] {
  const api = apiFor(apiKey);
  assert(api !== undefined, `no schema for api key ${apiKey}`);
  const writer = new Writer();
  const size = writer.reserve(4);
  encodeRequestHeader(writer, { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId });
  encodeMessage(api.request, version, body as object, writer);
  return finishFrame(writer, size);
}
