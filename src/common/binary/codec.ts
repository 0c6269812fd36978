// The one decoder and encoder for every message and version. A MessageSchema is compiled once per
// version into a plan: per struct, a flat list of field steps with the encoding of that version
// already chosen (classic or compact, nullable or not, tagged or not), so the hot path runs
// closures, never version checks. Plans are cached per schema object.
import { assert } from '../assert.js';
import { ProtocolError } from '../errors.js';
import { type FieldSchema, inVersions, type MessageSchema, parseVersions, type Primitive } from './schema.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import type { UnknownTaggedField } from './tagged-fields.js';

export type { UnknownTaggedField };

/** A decoded struct: field keys in schema order, plus `unknownTaggedFields` when any were read. */
export type Struct = Record<string, unknown>;

/**
 * The value of a `records` field. Decoding yields a view into the frame (or null); encoding also
 * takes a vector of batches, which is placed in the output without copying.
 */
export type RecordsValue = Buffer | readonly Buffer[] | null;

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const EMPTY_BYTES = Buffer.alloc(0);
/** Kafka caps strings at int16 length even in compact encodings. */
const STRING_LENGTH_MAX = 0x7fff;
/** Versions are int16 on the wire. */
const VERSION_MAX = 0x7fff;

type Decode = (r: Reader) => unknown;
type Encode = (w: Writer, value: unknown) => void;

interface FieldPlan {
  readonly key: string;
  readonly tag: number;
  readonly decode: Decode;
  readonly encode: Encode;
  readonly isDefault: (value: unknown) => boolean;
}

interface StructPlan {
  readonly name: string;
  readonly flexible: boolean;
  /** One step per schema field, in schema order; absent and tagged fields yield defaults. */
  readonly decodeSteps: readonly { readonly key: string; readonly read: Decode }[];
  /** The fields written inline in this version, in order. */
  readonly inline: readonly FieldPlan[];
  /** The fields tagged in this version, by ascending tag. */
  readonly tagged: readonly FieldPlan[];
  readonly byTag: ReadonlyMap<number, FieldPlan>;
  /** The fewest bytes one encoded instance can take: bounds array counts on decode. */
  readonly sizeBytesMin: number;
}

export function fieldKey(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function hasVersions(spec: string | undefined): boolean {
  if (spec === undefined) return false;
  const span = parseVersions(spec);
  return span.min <= span.max;
}

// ---------------------------------------------------------------------------------------------
// Defaults

interface DefaultPlan {
  readonly make: () => unknown;
  /** The default where null is not allowed: '' / [] / empty bytes / a default struct. */
  readonly makeNonNull: () => unknown;
  readonly isDefault: (value: unknown) => boolean;
}

const defaultPlans = new WeakMap<FieldSchema, DefaultPlan>();

function numericDefault(field: FieldSchema): number {
  const d = field.default;
  if (d === undefined || d === null) return 0;
  const n = typeof d === 'number' ? d : typeof d === 'boolean' ? Number(d) : Number(d.trim());
  assert(!Number.isNaN(n), `bad default for ${field.name}: ${String(d)}`);
  return n;
}

/** Defaults follow Kafka: the schema's `default`, else 0 / '' / false / [] / zero uuid, and null for nullable fields. */
function defaultPlan(field: FieldSchema): DefaultPlan {
  const cached = defaultPlans.get(field);
  if (cached) return cached;
  const nullable = hasVersions(field.nullableVersions);
  const d = field.default;
  const explicitNull = d === null || d === 'null';
  let plan: DefaultPlan;
  switch (field.type) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'int64':
    case 'float64': {
      const n = numericDefault(field);
      plan = { make: () => n, makeNonNull: () => n, isDefault: (v) => v === undefined || v === n };
      break;
    }
    case 'bool': {
      const b = d === true || d === 'true';
      plan = { make: () => b, makeNonNull: () => b, isDefault: (v) => v === undefined || v === b };
      break;
    }
    case 'string': {
      const s = explicitNull || (d === undefined && nullable) ? null : d === undefined ? '' : String(d);
      assert(s !== null || nullable, `null default for non-nullable ${field.name}`);
      plan = { make: () => s, makeNonNull: () => s ?? '', isDefault: (v) => v === undefined || v === s };
      break;
    }
    case 'uuid': {
      const u = typeof d === 'string' && d !== '' ? d.toLowerCase() : ZERO_UUID;
      plan = {
        make: () => u,
        makeNonNull: () => u,
        isDefault: (v) => v === undefined || (typeof v === 'string' && v.toLowerCase() === u),
      };
      break;
    }
    case 'bytes':
    case 'records': {
      const isNull = nullable;
      plan = {
        make: () => (isNull ? null : EMPTY_BYTES),
        makeNonNull: () => EMPTY_BYTES,
        isDefault: (v) =>
          v === undefined || (isNull ? v === null : v !== null && (v as { length: number }).length === 0),
      };
      break;
    }
    case 'array': {
      const isNull = nullable && (explicitNull || d === undefined);
      plan = {
        make: () => (isNull ? null : []),
        makeNonNull: () => [],
        isDefault: (v) => v === undefined || (isNull ? v === null : Array.isArray(v) && v.length === 0),
      };
      break;
    }
    case 'struct': {
      const fields = field.fields ?? [];
      const subs = fields.map((sub) => ({ key: fieldKey(sub.name), plan: defaultPlan(sub) }));
      const isNull = nullable && explicitNull;
      const makeStruct = (): Struct => {
        const obj: Struct = {};
        for (const sub of subs) obj[sub.key] = sub.plan.make();
        return obj;
      };
      plan = {
        make: () => (isNull ? null : makeStruct()),
        makeNonNull: makeStruct,
        isDefault: (v) => {
          if (v === undefined) return true;
          if (v === null) return isNull;
          if (isNull) return false;
          const obj = v as Struct;
          const unknown = obj['unknownTaggedFields'] as readonly unknown[] | undefined;
          if (unknown !== undefined && unknown.length > 0) return false;
          return subs.every((sub) => sub.plan.isDefault(obj[sub.key]));
        },
      };
      break;
    }
    default:
      return unreachableType(field.type);
  }
  defaultPlans.set(field, plan);
  return plan;
}

function unreachableType(type: never): never {
  throw new Error(`unknown field type ${String(type)}`);
}

/** A fresh value of `schema` with every field at its default (a starting point for responses). */
export function defaultMessage(schema: MessageSchema): Struct {
  const obj: Struct = {};
  for (const field of schema.fields) obj[fieldKey(field.name)] = defaultPlan(field).make();
  return obj;
}

// ---------------------------------------------------------------------------------------------
// Value codecs for one field in one version

interface ValueCodec {
  readonly decode: Decode;
  readonly encode: Encode;
  readonly sizeBytesMin: number;
}

const FIXED: Record<'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'float64' | 'bool' | 'uuid', ValueCodec> = {
  int8: { decode: (r) => r.int8(), encode: (w, v) => w.int8(v as number), sizeBytesMin: 1 },
  int16: { decode: (r) => r.int16(), encode: (w, v) => w.int16(v as number), sizeBytesMin: 2 },
  uint16: { decode: (r) => r.uint16(), encode: (w, v) => w.uint16(v as number), sizeBytesMin: 2 },
  int32: { decode: (r) => r.int32(), encode: (w, v) => w.int32(v as number), sizeBytesMin: 4 },
  int64: { decode: (r) => r.int64(), encode: (w, v) => w.int64(v as number), sizeBytesMin: 8 },
  float64: { decode: (r) => r.float64(), encode: (w, v) => w.float64(v as number), sizeBytesMin: 8 },
  bool: { decode: (r) => r.bool(), encode: (w, v) => w.bool(v as boolean), sizeBytesMin: 1 },
  uuid: { decode: (r) => r.uuid(), encode: (w, v) => w.uuid(v as string), sizeBytesMin: 16 },
};

/** Reads a length prefix; returns -1 for null (only when nullable). */
function lengthReader(
  compact: boolean,
  classic: 'int16' | 'int32',
  nullable: boolean,
  what: string,
): (r: Reader) => number {
  const nullError = `non-nullable ${what} was null`;
  if (compact) {
    return (r) => {
      const n = r.unsignedVarint();
      if (n === 0) {
        if (!nullable) throw new ProtocolError(nullError);
        return -1;
      }
      return n - 1;
    };
  }
  const read = classic === 'int16' ? (r: Reader) => r.int16() : (r: Reader) => r.int32();
  return (r) => {
    const n = read(r);
    if (n < 0) {
      if (n !== -1) throw new ProtocolError(`negative length ${n} for ${what}`);
      if (!nullable) throw new ProtocolError(nullError);
    }
    return n;
  };
}

function lengthWriter(compact: boolean, classic: 'int16' | 'int32'): (w: Writer, length: number) => void {
  if (compact) return (w, length) => w.unsignedVarint(length + 1);
  return classic === 'int16' ? (w, length) => w.int16(length) : (w, length) => w.int32(length);
}

function stringCodec(name: string, compact: boolean, nullable: boolean): ValueCodec {
  const readLength = lengthReader(compact, 'int16', nullable, `string ${name}`);
  const writeLength = lengthWriter(compact, 'int16');
  return {
    decode: (r) => {
      const length = readLength(r);
      if (length === -1) return null;
      if (length > STRING_LENGTH_MAX) throw new ProtocolError(`string ${name} length ${length} too long`);
      return r.utf8(length);
    },
    encode: (w, v) => {
      if (v === null) {
        assert(nullable, `null for non-nullable string ${name}`);
        writeLength(w, -1);
        return;
      }
      assert(typeof v === 'string', `string ${name} is not a string`);
      const length = Buffer.byteLength(v, 'utf8');
      assert(length <= STRING_LENGTH_MAX, `string ${name} too long: ${length} bytes`);
      writeLength(w, length);
      w.utf8(v, length);
    },
    sizeBytesMin: compact ? 1 : 2,
  };
}

function bytesCodec(name: string, compact: boolean, nullable: boolean, records: boolean): ValueCodec {
  const readLength = lengthReader(compact, 'int32', nullable, `bytes ${name}`);
  const writeLength = lengthWriter(compact, 'int32');
  return {
    decode: (r) => {
      const length = readLength(r);
      return length === -1 ? null : r.bytes(length);
    },
    encode: (w, v) => {
      if (v === null) {
        assert(nullable, `null for non-nullable ${name}`);
        writeLength(w, -1);
        return;
      }
      if (records && Array.isArray(v)) {
        // A vector of batches read from segment files: placed into the output, not copied.
        const batches = v as readonly Buffer[];
        let total = 0;
        for (const batch of batches) total += batch.length;
        assert(total <= 0x7fffffff, `records ${name} too large: ${total} bytes`);
        writeLength(w, total);
        for (const batch of batches) w.append(batch);
        return;
      }
      assert(v instanceof Uint8Array, `bytes ${name} is not a Buffer`);
      writeLength(w, v.length);
      if (records) w.append(v);
      else w.bytes(v);
    },
    sizeBytesMin: compact ? 1 : 4,
  };
}

function primitiveCodec(type: Primitive, name: string, compact: boolean, nullable: boolean): ValueCodec {
  switch (type) {
    case 'string':
      return stringCodec(name, compact, nullable);
    case 'bytes':
      return bytesCodec(name, compact, nullable, false);
    case 'records':
      return bytesCodec(name, compact, nullable, true);
    default:
      return FIXED[type];
  }
}

function arrayCodec(name: string, element: ValueCodec, compact: boolean, nullable: boolean): ValueCodec {
  const readCount = lengthReader(compact, 'int32', nullable, `array ${name}`);
  const writeCount = lengthWriter(compact, 'int32');
  const { decode: decodeElement, encode: encodeElement, sizeBytesMin: elementSizeBytesMin } = element;
  return {
    decode: (r) => {
      const count = readCount(r);
      if (count === -1) return null;
      r.checkCount(count, elementSizeBytesMin, name);
      const items = new Array<unknown>(count);
      for (let i = 0; i < count; i++) items[i] = decodeElement(r);
      return items;
    },
    encode: (w, v) => {
      if (v === null) {
        assert(nullable, `null for non-nullable array ${name}`);
        writeCount(w, -1);
        return;
      }
      assert(Array.isArray(v), `array ${name} is not an array`);
      writeCount(w, v.length);
      for (let i = 0; i < v.length; i++) encodeElement(w, v[i]);
    },
    sizeBytesMin: compact ? 1 : 4,
  };
}

function structCodec(plan: StructPlan, nullable: boolean): ValueCodec {
  const codec: ValueCodec = {
    decode: (r) => decodeStruct(plan, r),
    encode: (w, v) => encodeStruct(plan, w, v),
    sizeBytesMin: plan.sizeBytesMin,
  };
  if (!nullable) return codec;
  // Nullable structs carry a one-byte marker: -1 null, 1 present.
  return {
    decode: (r) => {
      const marker = r.int8();
      if (marker < 0) return null;
      return decodeStruct(plan, r);
    },
    encode: (w, v) => {
      if (v === null) {
        w.int8(-1);
        return;
      }
      w.int8(1);
      encodeStruct(plan, w, v);
    },
    sizeBytesMin: 1,
  };
}

// ---------------------------------------------------------------------------------------------
// Compiling

function compileField(
  field: FieldSchema,
  version: number,
  flexible: boolean,
): { plan: FieldPlan; present: boolean; sizeBytesMin: number } {
  const key = fieldKey(field.name);
  const defaults = defaultPlan(field);
  const present = inVersions(field.versions, version);
  const tagged = present && field.tag !== undefined && inVersions(field.taggedVersions, version);
  assert(!tagged || flexible, `${field.name} is tagged in non-flexible version ${version}`);
  // Tagged fields always use compact encodings; the per-field override (RequestHeader.ClientId)
  // keeps an int16 length even in flexible versions.
  const compact =
    tagged || (field.flexibleVersions !== undefined ? inVersions(field.flexibleVersions, version) : flexible);
  const nullable = present && inVersions(field.nullableVersions, version);

  let value: ValueCodec;
  if (field.type === 'struct') {
    assert(field.fields !== undefined, `struct ${field.name} has no fields`);
    value = structCodec(compileStruct(field.name, field.fields, version, flexible), nullable);
  } else if (field.type === 'array') {
    assert(field.items !== undefined, `array ${field.name} has no items`);
    const element =
      typeof field.items === 'string'
        ? primitiveCodec(field.items, `${field.name}[]`, compact, false)
        : structCodec(compileStruct(field.name, field.items, version, flexible), false);
    value = arrayCodec(field.name, element, compact, nullable);
  } else {
    value = primitiveCodec(field.type, field.name, compact, nullable);
  }

  // A field missing from a value being encoded takes its default; where the default is null but
  // this version cannot carry null (Metadata v0 topics), the empty value instead.
  const make = nullable ? defaults.make : defaults.makeNonNull;
  const rawEncode = value.encode;
  const encode: Encode = (w, v) => rawEncode(w, v === undefined ? make() : v);
  return {
    plan: {
      key,
      tag: tagged ? field.tag : -1,
      decode: value.decode,
      encode,
      isDefault: defaults.isDefault,
    },
    present,
    sizeBytesMin: present && !tagged ? value.sizeBytesMin : 0,
  };
}

function compileStruct(name: string, fields: readonly FieldSchema[], version: number, flexible: boolean): StructPlan {
  const decodeSteps: { key: string; read: Decode }[] = [];
  const inline: FieldPlan[] = [];
  const tagged: FieldPlan[] = [];
  let sizeBytesMin = flexible ? 1 : 0; // the empty tagged-field section
  for (const field of fields) {
    const compiled = compileField(field, version, flexible);
    sizeBytesMin += compiled.sizeBytesMin;
    const { plan } = compiled;
    if (compiled.present && plan.tag < 0) {
      inline.push(plan);
      decodeSteps.push({ key: plan.key, read: plan.decode });
    } else {
      if (compiled.present) tagged.push(plan);
      const make = defaultPlan(field).make;
      decodeSteps.push({ key: plan.key, read: () => make() });
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const byTag = new Map<number, FieldPlan>();
  for (const plan of tagged) {
    assert(!byTag.has(plan.tag), `${name} has two fields with tag ${plan.tag}`);
    byTag.set(plan.tag, plan);
  }
  return { name, flexible, decodeSteps, inline, tagged, byTag, sizeBytesMin };
}

const plans = new WeakMap<MessageSchema, (StructPlan | undefined)[]>();

function planFor(schema: MessageSchema, version: number): StructPlan {
  let byVersion = plans.get(schema);
  if (byVersion === undefined) {
    byVersion = [];
    plans.set(schema, byVersion);
  }
  let plan = byVersion[version];
  if (plan === undefined) {
    assert(Number.isInteger(version) && version >= 0 && version <= VERSION_MAX, `bad version ${version}`);
    assert(inVersions(schema.validVersions, version), `${schema.name} has no version ${version}`);
    plan = compileStruct(schema.name, schema.fields, version, inVersions(schema.flexibleVersions, version));
    byVersion[version] = plan;
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Walking

function decodeStruct(plan: StructPlan, r: Reader): Struct {
  const obj: Struct = {};
  const steps = plan.decodeSteps;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    obj[step.key] = step.read(r);
  }
  if (plan.flexible) decodeTaggedFields(plan, r, obj);
  return obj;
}

function decodeTaggedFields(plan: StructPlan, r: Reader, obj: Struct): void {
  const count = r.unsignedVarint();
  if (count === 0) return;
  r.checkCount(count, 2, `${plan.name} tagged field`);
  let unknown: UnknownTaggedField[] | undefined;
  for (let i = 0; i < count; i++) {
    const tag = r.unsignedVarint();
    const size = r.unsignedVarint();
    const section = r.sub(size);
    const field = plan.byTag.get(tag);
    if (field === undefined) {
      (unknown ??= []).push({ tag, data: section.buf.subarray(section.offset, section.end) });
      continue;
    }
    obj[field.key] = field.decode(section);
    if (section.remaining !== 0) {
      throw new ProtocolError(`${plan.name} tagged field ${tag}: ${section.remaining} bytes left over`);
    }
  }
  if (unknown !== undefined) obj['unknownTaggedFields'] = unknown;
}

function encodeStruct(plan: StructPlan, w: Writer, value: unknown): void {
  assert(typeof value === 'object' && value !== null, `${plan.name} is not an object`);
  const obj = value as Struct;
  const inline = plan.inline;
  for (let i = 0; i < inline.length; i++) {
    const field = inline[i]!;
    field.encode(w, obj[field.key]);
  }
  if (plan.flexible) encodeTaggedFields(plan, w, obj);
}

interface TaggedEntry {
  readonly tag: number;
  readonly chunks: readonly Buffer[];
  readonly sizeBytes: number;
}

function encodeTaggedFields(plan: StructPlan, w: Writer, obj: Struct): void {
  const unknown = obj['unknownTaggedFields'] as readonly UnknownTaggedField[] | undefined;
  if (plan.tagged.length === 0 && (unknown === undefined || unknown.length === 0)) {
    w.uint8(0); // the common case: an empty section
    return;
  }
  const entries: TaggedEntry[] = [];
  for (const field of plan.tagged) {
    const v = obj[field.key];
    // Like Kafka, a tagged field at its default is not written at all.
    if (field.isDefault(v)) continue;
    const sub = new Writer(64);
    field.encode(sub, v);
    const chunks = sub.finish();
    entries.push({ tag: field.tag, chunks, sizeBytes: sub.length });
  }
  if (unknown !== undefined && unknown.length > 0) {
    for (const { tag, data } of unknown) {
      // A tag unknown to the version it was read at may be known to this one: the field wins.
      if (plan.byTag.has(tag)) continue;
      entries.push({ tag, chunks: [data], sizeBytes: data.length });
    }
    entries.sort((a, b) => a.tag - b.tag);
    for (let i = 1; i < entries.length; i++) {
      assert(entries[i - 1]!.tag !== entries[i]!.tag, `duplicate tagged field ${entries[i]!.tag} in ${plan.name}`);
    }
  }
  w.unsignedVarint(entries.length);
  for (const entry of entries) {
    w.unsignedVarint(entry.tag);
    w.unsignedVarint(entry.sizeBytes);
    for (const chunk of entry.chunks) w.bytes(chunk);
  }
}

/** Whether `version` of `schema` uses the flexible (compact, tagged) encodings. */
export function isFlexible(schema: MessageSchema, version: number): boolean {
  return planFor(schema, version).flexible;
}

/**
 * Decodes one message of `schema` at `version` from `reader`. Every field of the schema is present
 * in the result (absent ones at their defaults). Throws ProtocolError on malformed input.
 */
export function decodeMessage(schema: MessageSchema, version: number, reader: Reader): Struct {
  return decodeStruct(planFor(schema, version), reader);
}

/** Encodes `value` as `schema` at `version`. Missing fields are written as their defaults. */
export function encodeMessage(schema: MessageSchema, version: number, value: object, writer: Writer): void {
  encodeStruct(planFor(schema, version), writer, value);
}

/** Encodes one message on its own (no header, no size prefix). */
export function encodeMessageToBuffers(schema: MessageSchema, version: number, value: object): Buffer[] {
  const writer = new Writer();
  encodeMessage(schema, version, value, writer);
  return writer.finish();
}
