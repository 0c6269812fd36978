// What DescribeConfigs says about each setting, derived from the registry: the value, where it
// comes from (Kafka's config source), its synonyms in Kafka's order of precedence (the topic's
// own value, the broker's static value, the default), read-only, sensitive, type and doc. The
// Kafka handler only maps these to the wire's numbers.
import { KafkaError } from '../errors.js';
import { resolveQuorums } from './quorums.js';
import { SETTING_ROWS, type SettingKey, type SettingRow } from './registry.js';
import { isDerived } from './setting.js';
import { TOPIC_ROWS, topicDefaults } from './topic-settings.js';
import type { NodeConfig, TopicOverrides } from './typed.js';
import type { KafkaConfigType } from './value-types.js';

/** Kafka's DYNAMIC_TOPIC_CONFIG, STATIC_BROKER_CONFIG and DEFAULT_CONFIG. */
export type ConfigSourceName = 'topic' | 'static-broker' | 'default';

export interface DescribedSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSourceName;
}

export interface DescribedConfig {
  readonly name: string;
  /** Null: no value (a quorum of an unknown factor), or a sensitive one. */
  readonly value: string | null;
  readonly source: ConfigSourceName;
  readonly readOnly: boolean;
  readonly sensitive: boolean;
  readonly kafkaType: KafkaConfigType;
  readonly doc: string;
  readonly synonyms: readonly DescribedSynonym[];
}

function text(row: SettingRow, value: unknown): string | null {
  if (row.sensitive === true || value === null || value === undefined) return null;
  return row.type.format(value);
}

function defaultSynonym(row: SettingRow, name: string): DescribedSynonym {
  return { name, value: isDerived(row.default) ? null : text(row, row.default), source: 'default' };
}

function brokerValue(node: NodeConfig, key: SettingKey): unknown {
  return (node as unknown as Readonly<Record<string, unknown>>)[key];
}

/** The node's settings, as a broker resource. */
export function describeBrokerConfigs(node: NodeConfig): DescribedConfig[] {
  return SETTING_ROWS.filter((row) => row.broker !== undefined).map((row) => {
    const name = row.broker!;
    const explicit = node.explicitSettings.has(row.key);
    const value = text(row, brokerValue(node, row.key));
    return {
      name,
      value,
      source: explicit ? 'static-broker' : 'default',
      readOnly: row.dynamic !== true,
      sensitive: row.sensitive === true,
      kafkaType: row.type.kafkaType,
      doc: row.doc,
      synonyms: [...(explicit ? [{ name, value, source: 'static-broker' as const }] : []), defaultSynonym(row, name)],
    };
  });
}

/**
 * A topic's configs: each explicit one (DYNAMIC_TOPIC_CONFIG), else the broker's value. The
 * quorums are given as resolved for the topic's replication factor, as clients that read
 * min.insync.replicas expect a number.
 */
export function describeTopicConfigs(
  overrides: TopicOverrides,
  node: NodeConfig,
  replicationFactor: number,
): DescribedConfig[] {
  const defaults = topicDefaults(node) as unknown as Readonly<Record<string, unknown>>;
  const own = overrides as Readonly<Record<string, unknown>>;
  const resolved = resolvedQuorums(replicationFactor, overrides);
  return TOPIC_ROWS.map((row) => {
    const set = own[row.key] !== undefined;
    const brokerExplicit = row.broker !== undefined && node.explicitSettings.has(row.key);
    const value = text(row, resolved[row.key] ?? (set ? own[row.key] : defaults[row.key]));
    const synonyms: DescribedSynonym[] = [];
    if (set) synonyms.push({ name: row.topic, value: text(row, own[row.key]), source: 'topic' });
    if (brokerExplicit)
      synonyms.push({ name: row.broker, value: text(row, defaults[row.key]), source: 'static-broker' });
    synonyms.push(defaultSynonym(row, row.broker ?? row.topic));
    return {
      name: row.topic,
      value,
      source: set ? 'topic' : brokerExplicit ? 'static-broker' : 'default',
      readOnly: false,
      sensitive: row.sensitive === true,
      kafkaType: row.type.kafkaType,
      doc: row.doc,
      synonyms,
    };
  });
}

/** The quorum configs' values for this factor; none when the topic's quorums do not fit it. */
function resolvedQuorums(replicationFactor: number, overrides: TopicOverrides): Partial<Record<SettingKey, number>> {
  try {
    const { writeQuorum, readQuorum } = resolveQuorums(replicationFactor, overrides);
    return { minInsyncReplicas: writeQuorum, writeQuorum, readQuorum };
  } catch (err) {
    if (err instanceof KafkaError) return {};
    throw err;
  }
}
