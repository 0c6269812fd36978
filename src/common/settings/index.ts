// The settings registry: one row per setting (registry.ts), the types its values have
// (value-types.ts), and what is derived from it — the start-up flags and the node's typed config,
// topic config parsing, the quorums, DescribeConfigs' view and the README's table.
export { type BootstrapUser } from './bootstrap-users.js';
export { type ClusterMember, parseClusterNodes } from './cluster-nodes.js';
export {
  formatListener,
  type KafkaListener,
  type ListenerAddress,
  type ListenerProtocol,
  parseListener,
  resolveListeners,
} from './listeners.js';
export {
  type ConfigSourceName,
  type DescribedConfig,
  type DescribedSynonym,
  describeBrokerConfigs,
  describeTopicConfigs,
} from './describe.js';
export { brokerHeartbeatIntervalMs, parseConfig } from './node-config.js';
export { type QuorumSettings, type Quorums, resolveQuorums } from './quorums.js';
export { settingsTable, withSettingsTable } from './readme-table.js';
export {
  CLEANUP_POLICIES,
  COMPRESSION_TYPES,
  SASL_MECHANISMS,
  SETTING_ROWS,
  SETTINGS,
  type SettingKey,
  type SettingRow,
  TIMESTAMP_TYPES,
  TLS_CLIENT_AUTH,
} from './registry.js';
export { type DerivedDefault, envOf, isDerived, type Setting, type Unit } from './setting.js';
export {
  effectiveTopicSettings,
  parseTopicConfigs,
  type ParsedTopicConfigs,
  readTopicConfigs,
  type ReadTopicConfigs,
  TOPIC_ROWS,
  topicDefaults,
  topicRow,
} from './topic-settings.js';
export type { BrokerSettings, NodeConfig, TopicOverrides, TopicSettings } from './typed.js';
export { InvalidSettingValue, type KafkaConfigType, type ValueType } from './value-types.js';
