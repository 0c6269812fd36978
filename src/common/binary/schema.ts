// The schema language for Kafka messages. Each message is described once, for every version,
// from the facts in Kafka's published JSON message definitions (field names, types, versions,
// nullable versions, flexible versions, tagged fields). One generic decoder and encoder
// (codec.ts) walk these descriptions, so supporting a version costs one line in a table.
// It lives in common, not in kafka/, because Kafka's own stored formats use the same language:
// the group coordinator's records in __consumer_offsets and the consumer protocol's payloads.
// The API tables (request/response per API key) stay in kafka/protocol.
//
// Decoded values are plain objects whose keys are the Kafka field names with the first letter in
// lower case ("ThrottleTimeMs" -> throttleTimeMs). Representation of each type:
//   int8 int16 uint16 int32 float64 -> number     int64 -> number (exact up to 2^53)
//   bool -> boolean      string -> string (null when nullable)      uuid -> string (8-4-4-4-12 hex)
//   bytes -> Buffer (null when nullable)
//   records -> Buffer | null when decoded; when encoded also Buffer[] (a vector of batches that is
//              written without copying)
//   struct -> object     array -> T[] (null when nullable)
// A field absent from a version decodes to its default and is skipped when encoding. A field
// missing from an object being encoded is written as its default. Unknown tagged fields are kept in
// `unknownTaggedFields` so they round-trip.

export type Primitive =
  'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'float64' | 'bool' | 'uuid' | 'string' | 'bytes' | 'records';

export type DefaultValue = number | string | boolean | null;

export interface FieldSchema {
  readonly name: string;
  /** A primitive, 'struct' (with `fields`) or 'array' (with `items`). */
  readonly type: Primitive | 'struct' | 'array';
  /** Element type of an array: a primitive or a list of struct fields. */
  readonly items?: Primitive | readonly FieldSchema[];
  /** Fields of a struct. */
  readonly fields?: readonly FieldSchema[];
  /** Versions in which the field exists: "0+", "3-7", "none". */
  readonly versions: string;
  readonly nullableVersions?: string;
  /** Tagged fields: the tag and the versions in which it is tagged (always open-ended). */
  readonly tag?: number;
  readonly taggedVersions?: string;
  /** Overrides the message's flexible versions for this field (RequestHeader.ClientId: "none"). */
  readonly flexibleVersions?: string;
  readonly default?: DefaultValue;
}

export interface MessageSchema {
  readonly name: string;
  readonly apiKey: number;
  readonly type: 'request' | 'response' | 'header';
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly FieldSchema[];
}

interface FieldOptions {
  readonly nullableVersions?: string;
  readonly tag?: number;
  readonly taggedVersions?: string;
  readonly flexibleVersions?: string;
  readonly default?: DefaultValue;
}

function primitive(type: Primitive) {
  return (name: string, versions: string, options: FieldOptions = {}): FieldSchema => ({
    name,
    type,
    versions,
    ...options,
  });
}

/** Field constructors that keep the tables short: `f.int32('partitionIndex', '0+')`. */
export const f = {
  int8: primitive('int8'),
  int16: primitive('int16'),
  uint16: primitive('uint16'),
  int32: primitive('int32'),
  int64: primitive('int64'),
  float64: primitive('float64'),
  bool: primitive('bool'),
  uuid: primitive('uuid'),
  string: primitive('string'),
  bytes: primitive('bytes'),
  records: primitive('records'),
  struct(name: string, versions: string, fields: readonly FieldSchema[], options: FieldOptions = {}): FieldSchema {
    return { name, type: 'struct', versions, fields, ...options };
  },
  array(
    name: string,
    versions: string,
    items: Primitive | readonly FieldSchema[],
    options: FieldOptions = {},
  ): FieldSchema {
    return { name, type: 'array', versions, items, ...options };
  },
} as const;

/** A parsed version range. `none` matches nothing. */
export interface VersionSpan {
  readonly min: number;
  readonly max: number;
}

const NONE: VersionSpan = { min: 1, max: 0 };

export function parseVersions(spec: string): VersionSpan {
  if (spec === 'none') return NONE;
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return { min: Number(plus[1]), max: Number.MAX_SAFE_INTEGER };
  const range = /^(\d+)-(\d+)$/.exec(spec);
  if (range) return { min: Number(range[1]), max: Number(range[2]) };
  const single = /^(\d+)$/.exec(spec);
  if (single) return { min: Number(single[1]), max: Number(single[1]) };
  throw new Error(`bad version range: ${spec}`);
}

export function inVersions(spec: string | undefined, version: number): boolean {
  if (spec === undefined) return false;
  const span = parseVersions(spec);
  return version >= span.min && version <= span.max;
}
