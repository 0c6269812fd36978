// fast-check arbitraries derived from a schema: random values that are valid for one version
// (fields outside the version at their defaults, null only where the version allows it), so that
// decode(encode(value)) must give the value back exactly.
import fc from 'fast-check';
import { defaultMessage, fieldKey } from '../../src/common/binary/codec.js';
import { inVersions } from '../../src/common/binary/schema.js';
import type { FieldSchema, MessageSchema, Primitive } from '../../src/common/binary/schema.js';

type Value = unknown;

function primitiveArbitrary(type: Primitive): fc.Arbitrary<Value> {
  switch (type) {
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case 'int64':
      return fc.maxSafeInteger();
    case 'float64':
      return fc.double({ noNaN: true });
    case 'bool':
      return fc.boolean();
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => {
        const hex = Buffer.from(bytes).toString('hex');
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      });
    case 'string':
      return fc.string({ unit: 'binary', maxLength: 12 });
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes));
  }
}

function fieldDefault(field: FieldSchema): Value {
  return defaultMessage({
    name: 'x',
    apiKey: -1,
    type: 'header',
    validVersions: '0+',
    flexibleVersions: 'none',
    fields: [field],
  })[fieldKey(field.name)];
}

function fieldArbitrary(field: FieldSchema, version: number, flexible: boolean): fc.Arbitrary<Value> {
  if (!inVersions(field.versions, version)) return fc.constant(null).map(() => fieldDefault(field));
  let value: fc.Arbitrary<Value>;
  if (field.type === 'struct') {
    value = structArbitrary(field.fields ?? [], version, flexible, false);
  } else if (field.type === 'array') {
    const items = field.items;
    const element =
      typeof items === 'string' ? primitiveArbitrary(items) : structArbitrary(items ?? [], version, flexible, false);
    value = fc.array(element, { maxLength: 3 });
  } else {
    value = primitiveArbitrary(field.type);
  }
  if (inVersions(field.nullableVersions, version)) value = fc.option(value, { nil: null, freq: 4 });
  const tagged = field.tag !== undefined && inVersions(field.taggedVersions, version);
  if (tagged) {
    // A tagged field at its default is not written and decodes to the default: both must hold.
    return fc.oneof(
      fc.constant(null).map(() => fieldDefault(field)),
      value,
    );
  }
  return value;
}

function unknownTaggedFieldsArbitrary(): fc.Arbitrary<{ tag: number; data: Buffer }[]> {
  return fc
    .uniqueArray(fc.integer({ min: 1000, max: 100_000 }), { maxLength: 2 })
    .chain((tags) =>
      fc.tuple(
        ...tags
          .sort((a, b) => a - b)
          .map((tag) => fc.uint8Array({ maxLength: 6 }).map((data) => ({ tag, data: Buffer.from(data) }))),
      ),
    );
}

function structArbitrary(
  fields: readonly FieldSchema[],
  version: number,
  flexible: boolean,
  withUnknownTags: boolean,
): fc.Arbitrary<Record<string, Value>> {
  const shape: Record<string, fc.Arbitrary<Value>> = {};
  for (const field of fields) shape[fieldKey(field.name)] = fieldArbitrary(field, version, flexible);
  const record = fc.record(shape) as fc.Arbitrary<Record<string, Value>>;
  if (!flexible || !withUnknownTags) return record;
  return fc
    .tuple(record, unknownTaggedFieldsArbitrary())
    .map(([obj, unknown]) => (unknown.length === 0 ? obj : { ...obj, unknownTaggedFields: unknown }));
}

/** Random valid values of `schema` at `version` (with unknown tagged fields at the top level). */
export function messageArbitrary(schema: MessageSchema, version: number): fc.Arbitrary<Record<string, Value>> {
  const flexible = inVersions(schema.flexibleVersions, version);
  return structArbitrary(schema.fields, version, flexible, true);
}

/** Every version a schema describes. */
export function versionsOf(schema: MessageSchema): number[] {
  const spec = schema.validVersions;
  const match = /^(\d+)-(\d+)$/.exec(spec) ?? /^(\d+)$/.exec(spec);
  if (!match) throw new Error(`unexpected validVersions ${spec}`);
  const min = Number(match[1]);
  const max = Number(match[2] ?? match[1]);
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}
