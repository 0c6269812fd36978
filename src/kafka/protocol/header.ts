// Request and response headers. Which header version a message uses follows from the API's
// flexible versions (Kafka's ApiMessageTypeGenerator): request header v2 iff the request version
// is flexible, else v1; response header v1 iff flexible, else v0 — except that ApiVersions
// responses always use header v0 (KIP-511), so a client can read the answer before it knows what
// the broker speaks.
import {
  decodeMessage,
  encodeMessage,
  f,
  isFlexible,
  type MessageSchema,
  parseVersions,
  ProtocolError,
  Reader,
  type TaggedStruct,
  type VersionSpan,
  type Writer,
} from '../../common/index.js';
import type { ApiSchema } from './api-schema.js';
import { apiSchemas } from './registry.js';

export const API_VERSIONS_KEY = 18;

export const requestHeaderSchema: MessageSchema = {
  name: 'RequestHeader',
  apiKey: -1,
  type: 'header',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    f.int16('requestApiKey', '0+'),
    f.int16('requestApiVersion', '0+'),
    f.int32('correlationId', '0+'),
    // An int16 length even in v2, so any broker can read the header of any ApiVersions request.
    f.string('clientId', '1+', { nullableVersions: '1+', flexibleVersions: 'none' }),
  ],
};

export const responseHeaderSchema: MessageSchema = {
  name: 'ResponseHeader',
  apiKey: -1,
  type: 'header',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [f.int32('correlationId', '0+')],
};

export interface RequestHeader extends TaggedStruct {
  requestApiKey: number;
  requestApiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export interface ResponseHeader extends TaggedStruct {
  correlationId: number;
}

// Version ranges parsed once: these checks run for every request.
const validSpans: ReadonlyMap<number, VersionSpan> = new Map(
  [...apiSchemas].map(([apiKey, api]) => [apiKey, parseVersions(api.request.validVersions)]),
);

/** Whether this broker has a schema for `apiKey` at `apiVersion`. */
export function isSupportedVersion(apiKey: number, apiVersion: number): boolean {
  const span = validSpans.get(apiKey);
  return span !== undefined && apiVersion >= span.min && apiVersion <= span.max;
}

/** 2 if the request version is flexible, else 1 (also for APIs or versions this broker lacks). */
export function requestHeaderVersion(apiKey: number, apiVersion: number): 1 | 2 {
  if (!isSupportedVersion(apiKey, apiVersion)) return 1;
  return isFlexible((apiSchemas.get(apiKey) as ApiSchema).request, apiVersion) ? 2 : 1;
}

/** 1 if the response version is flexible, else 0; always 0 for ApiVersions (KIP-511). */
export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === API_VERSIONS_KEY || !isSupportedVersion(apiKey, apiVersion)) return 0;
  return isFlexible((apiSchemas.get(apiKey) as ApiSchema).response, apiVersion) ? 1 : 0;
}

export interface DecodedRequestHeader {
  header: RequestHeader;
  headerVersion: 1 | 2;
  /** False for an unknown API key or version: the body was not located, only the v1 header read. */
  supported: boolean;
  /** Positioned at the request body (for unsupported requests: just after the v1 header). */
  reader: Reader;
}

/**
 * Reads the header of one request frame (the bytes after the int32 size). For an API key or
 * version this broker lacks it still returns key, version and correlation id (reading the v1
 * header), so the server can answer ApiVersions with UNSUPPORTED_VERSION or close the connection.
 */
export function decodeRequestHeader(frameBody: Buffer): DecodedRequestHeader {
  if (frameBody.length < 8) throw new ProtocolError(`request frame of ${frameBody.length} bytes has no header`);
  const apiKey = frameBody.readInt16BE(0);
  const apiVersion = frameBody.readInt16BE(2);
  const supported = isSupportedVersion(apiKey, apiVersion);
  const headerVersion = supported ? requestHeaderVersion(apiKey, apiVersion) : 1;
  const reader = new Reader(frameBody);
  const header = decodeMessage(requestHeaderSchema, headerVersion, reader) as unknown as RequestHeader;
  return { header, headerVersion, supported, reader };
}

export function encodeRequestHeader(writer: Writer, header: RequestHeader): void {
  const version = requestHeaderVersion(header.requestApiKey, header.requestApiVersion);
  encodeMessage(requestHeaderSchema, version, header, writer);
}

export function decodeResponseHeader(apiKey: number, apiVersion: number, reader: Reader): ResponseHeader {
  const version = responseHeaderVersion(apiKey, apiVersion);
  return decodeMessage(responseHeaderSchema, version, reader) as unknown as ResponseHeader;
}

export function encodeResponseHeader(writer: Writer, apiKey: number, apiVersion: number, correlationId: number): void {
  writer.int32(correlationId);
  // Always an empty tag section: clients skip exactly one byte here (research notes §1.4).
  if (responseHeaderVersion(apiKey, apiVersion) === 1) writer.uint8(0);
}
