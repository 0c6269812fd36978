// The shape of one row of the settings registry, in the manner of Kafka's ConfigDef.define and
// Redpanda's property<T>: every fact about a setting in one place, from which the start-up flags,
// the topic configs, DescribeConfigs and the README are derived.
import type { ValueType } from './value-types.js';

export type Unit = 'ms' | 'bytes' | 'bytes/s' | 'messages' | 'ratio';

/** A default computed at start-up from other settings; the text says from what. */
export interface DerivedDefault {
  readonly derived: string;
}

export interface Setting<T> {
  /**
   * Kafka's name for the broker setting, or Brook's own in Kafka's style where Kafka has none.
   * Absent: a topic config with no broker setting (Brook's write.quorum).
   */
  readonly broker?: string;
  /**
   * The start-up flag; its variable is BROOK_ and the flag in capitals (--segment-bytes →
   * BROOK_SEGMENT_BYTES). Absent: the broker value is fixed at its default.
   */
  readonly flag?: `--${string}`;
  /** The topic config key, where a topic can override the broker value (segment.bytes). */
  readonly topic?: string;
  readonly type: ValueType<T>;
  readonly unit?: Unit;
  readonly default: T | DerivedDefault;
  /**
   * The broker value can change while the node runs (Kafka's per-broker or cluster-wide update
   * modes); DescribeConfigs reports the others read-only. Topic configs can always be altered.
   */
  readonly dynamic?: boolean;
  /** DescribeConfigs reports it sensitive and never shows its value (passwords, keys). */
  readonly sensitive?: boolean;
  /** One line, for --help, DescribeConfigs' documentation and the README. */
  readonly doc: string;
  /** Listed in the README's table of main settings. */
  readonly main?: boolean;
  /** The argument's name in --help where the type's is not telling (<dir>, <port>). */
  readonly placeholder?: string;
}

export type ValueOf<S> = S extends { readonly type: ValueType<infer T> } ? T : never;

/**
 * Declares a row; the value type follows from `type`, and `default` is checked against it. The
 * row's literal shape is kept, so the typed node config and topic settings follow from the table.
 */
export function setting<const R extends { readonly type: ValueType<unknown> }>(row: R & Setting<ValueOf<R>>): R {
  return row;
}

export function isDerived<T>(value: T | DerivedDefault): value is DerivedDefault {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'derived' in value;
}

/** The BROOK_* variable of a flag. */
export function envOf(flag: `--${string}`): string {
  return `BROOK_${flag.slice(2).replace(/-/g, '_').toUpperCase()}`;
}
