// Topic configs: the rows with a topic key. A topic stores only what was set explicitly; every
// other config falls back to the broker's value. Configs are parsed where they enter: an admin
// request's are checked (INVALID_CONFIG naming the key) before the controller proposes anything,
// and a committed record's are parsed once when the metadata state applies it.
import { assert } from '../assert.js';
import { ErrorCode, KafkaError } from '../errors.js';
import { SETTING_ROWS, type SettingRow } from './registry.js';
import { isDerived } from './setting.js';
import type { NodeConfig, TopicOverrides, TopicSettings } from './typed.js';
import { InvalidSettingValue } from './value-types.js';

type TopicRow = SettingRow & { readonly topic: string };

/** The topic config rows, in the table's order. */
export const TOPIC_ROWS: readonly TopicRow[] = SETTING_ROWS.filter((row): row is TopicRow => row.topic !== undefined);

const byTopicKey = new Map<string, TopicRow>(TOPIC_ROWS.map((row) => [row.topic, row]));

export function topicRow(key: string): TopicRow | undefined {
  return byTopicKey.get(key);
}

export interface ParsedTopicConfigs {
  readonly overrides: TopicOverrides;
  /** The same configs in canonical text (what the metadata record stores). */
  readonly canonical: Readonly<Record<string, string>>;
}

function parseOne(key: string, raw: string): { row: TopicRow; value: unknown } {
  const row = byTopicKey.get(key);
  if (!row) throw new KafkaError(ErrorCode.INVALID_CONFIG, `unknown topic config '${key}'`);
  try {
    return { row, value: row.type.parse(raw) };
  } catch (err) {
    if (!(err instanceof InvalidSettingValue)) throw err;
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `topic config ${key}=${raw} ${err.message}`);
  }
}

/** Checks explicit topic configs as an admin request gives them; throws INVALID_CONFIG naming the first bad key. */
export function parseTopicConfigs(configs: Readonly<Record<string, string>>): ParsedTopicConfigs {
  const overrides: Record<string, unknown> = {};
  const canonical: Record<string, string> = {};
  for (const [key, raw] of Object.entries(configs)) {
    const { row, value } = parseOne(key, raw);
    overrides[row.key] = value;
    canonical[key] = row.type.format(value);
  }
  return { overrides: overrides, canonical };
}

export interface ReadTopicConfigs {
  readonly overrides: TopicOverrides;
  /** Committed configs that today's rules refuse (written by an older Brook), each with why. */
  readonly rejected: readonly string[];
}

/**
 * Parses a committed record's configs. Never throws: a config refused by today's rules is left
 * out (the broker value applies) and reported, the same way on every node.
 */
export function readTopicConfigs(configs: Readonly<Record<string, string>>): ReadTopicConfigs {
  const overrides: Record<string, unknown> = {};
  const rejected: string[] = [];
  for (const [key, raw] of Object.entries(configs)) {
    try {
      const { row, value } = parseOne(key, raw);
      overrides[row.key] = value;
    } catch (err) {
      if (!(err instanceof KafkaError)) throw err;
      rejected.push(err.message);
    }
  }
  return { overrides: overrides, rejected };
}

/** What a topic without overrides gets: the broker's value where there is a broker setting, else the row's default. */
export function topicDefaults(node: NodeConfig): TopicSettings {
  const values: Record<string, unknown> = {};
  const broker = node as unknown as Readonly<Record<string, unknown>>;
  for (const row of TOPIC_ROWS) {
    if (row.broker !== undefined) {
      values[row.key] = broker[row.key];
    } else {
      assert(!isDerived(row.default), `topic config ${row.topic} has a fixed default`);
      values[row.key] = row.default;
    }
  }
  return values as TopicSettings;
}

/** A topic's effective settings: its overrides over the broker's values. */
export function effectiveTopicSettings(overrides: TopicOverrides, node: NodeConfig): TopicSettings {
  return { ...topicDefaults(node), ...overrides };
}
