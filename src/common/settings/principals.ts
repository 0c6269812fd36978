// The value of --super-users (Kafka's super.users): principals in Kafka's text form, `User:alice`.
// Kafka separates them with semicolons; commas are taken too, as every other list here uses them.
import { InvalidSettingValue, structured, type ValueType } from './value-types.js';

const PRINCIPAL = /^[^:;,\s]+:[^;,\s]+$/;

export function parsePrincipals(raw: string): string[] {
  const parts = raw.trim() === '' ? [] : raw.split(/[;,]/).map((part) => part.trim());
  for (const part of parts) {
    if (!PRINCIPAL.test(part))
      throw new InvalidSettingValue(`entry '${part}' is not a principal Type:Name (User:alice)`);
  }
  if (new Set(parts).size !== parts.length) throw new InvalidSettingValue('must not list a principal twice');
  return parts;
}

export function principals(): ValueType<readonly string[]> {
  return structured({
    kafkaType: 'list',
    range: 'principals Type:Name separated by ; or , (User:admin;User:ops)',
    placeholder: 'principals',
    parse: parsePrincipals,
    format: (values) => values.join(';'),
  });
}
