// The typed objects the registry's values are parsed into, derived from the table so a row and
// its field cannot drift apart: the node's config (every broker setting) and a topic's settings
// (every topic config).
import type { KafkaListener } from './listeners.js';
import type { Settings, SettingKey } from './registry.js';
import type { ValueOf } from './setting.js';

type BrokerKey = { [K in SettingKey]: Settings[K] extends { readonly broker: string } ? K : never }[SettingKey];
type TopicKey = { [K in SettingKey]: Settings[K] extends { readonly topic: string } ? K : never }[SettingKey];

/** Every broker setting's value, as parsed at start-up (flags, BROOK_* variables, defaults). */
export type BrokerSettings = { readonly [K in BrokerKey]: ValueOf<Settings[K]> };

/** The node's typed config: the broker settings, and which of them were given explicitly. */
export type NodeConfig = BrokerSettings & {
  /** The Kafka listeners resolved: protocol from the map, advertised address filled in. */
  readonly kafkaListeners: readonly KafkaListener[];
  /** Settings given by a flag or a BROOK_* variable (DescribeConfigs: STATIC_BROKER_CONFIG). */
  readonly explicitSettings: ReadonlySet<SettingKey>;
};

/** Every topic config's value for one topic: its own overrides, else the broker's values. */
export type TopicSettings = { readonly [K in TopicKey]: ValueOf<Settings[K]> };

/** A topic's own explicit configs, typed: what the metadata records set for it. */
export type TopicOverrides = Partial<TopicSettings>;

export type { BrokerKey, TopicKey };
