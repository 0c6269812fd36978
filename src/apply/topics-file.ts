// The declarative topics file: a YAML document listing topics with their partitions,
// replication factor and configs, read into a typed spec where every entry remembers its line,
// so an error — in the file, or when it is applied — names the file and line it comes from.
//
//   topics:
//     - name: payments
//       partitions: 6
//       replicationFactor: 3
//       configs:
//         retention.ms: 604800000
//         write.quorum: 2
//
// Unknown keys are refused rather than ignored: a misspelt `partitons` would otherwise leave a
// topic with its default count and no word said. Users and ACLs come once Brook has their APIs.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';

export interface TopicSpec {
  readonly name: string;
  /** Absent: the broker's default at creation, and no check later. */
  readonly partitions?: number;
  /** Absent: the broker's default at creation, and no check later. */
  readonly replicationFactor?: number;
  readonly configs: Readonly<Record<string, string>>;
  /** 1-based line of the entry in the file. */
  readonly line: number;
}

export interface TopicsFile {
  readonly file: string;
  readonly topics: readonly TopicSpec[];
}

/** A problem with the file, at a line of it: `topics.yaml:7: partitions must be an integer >= 1`. */
export class TopicsFileError extends Error {
  override name = 'TopicsFileError';

  constructor(
    readonly file: string,
    readonly line: number | null,
    message: string,
  ) {
    super(`${file}${line !== null ? `:${line}` : ''}: ${message}`);
  }
}

const TOPIC_KEYS = new Set(['name', 'partitions', 'replicationFactor', 'configs']);
/** Kafka's legal topic names (Topic.validate): at most 249 of [a-zA-Z0-9._-]. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function parseTopicsFile(file: string, text: string): TopicsFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const lineOf = (node: Node | null | undefined): number | null =>
    node?.range ? lines.linePos(node.range[0]).line : null;
  const fail = (node: Node | null | undefined, message: string): never => {
    throw new TopicsFileError(file, lineOf(node), message);
  };
  const yamlError = doc.errors[0];
  if (yamlError)
    // Without prettyErrors the error has no linePos; its offset gives the line.
    throw new TopicsFileError(
      file,
      yamlError.linePos?.[0].line ?? lines.linePos(yamlError.pos[0]).line,
      yamlError.message.split('\n')[0]!,
    );
  const root = doc.contents;
  if (root === null) return { file, topics: [] };
  if (!isMap(root)) return fail(root, 'the file must be a map with a `topics` list');
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'topics') fail(pair.key, `unknown key '${key}' (the file has \`topics\`)`);
  }
  const list = root.get('topics', true) as Node | undefined;
  if (list === undefined || (isScalar(list) && list.value === null)) return { file, topics: [] };
  if (!isSeq(list)) return fail(list, '`topics` must be a list');
  const seen = new Map<string, number | null>();
  const topics = list.items.map((item) => {
    const entry = item as Node;
    if (!isMap(entry)) return fail(entry, 'each topic must be a map with a `name`');
    const spec = topicSpec(entry, lineOf(entry) ?? 0, fail);
    const earlier = seen.get(spec.name);
    if (earlier !== undefined) fail(entry, `topic ${spec.name} is listed twice (also at line ${earlier})`);
    seen.set(spec.name, spec.line);
    return spec;
  });
  return { file, topics };
}

function topicSpec(
  entry: YAMLMap,
  line: number,
  fail: (node: Node | null | undefined, message: string) => never,
): TopicSpec {
  for (const pair of entry.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!TOPIC_KEYS.has(key))
      fail(pair.key as Node, `unknown key '${key}' (a topic has ${[...TOPIC_KEYS].join(', ')})`);
  }
  const nameNode = entry.get('name', true) as Node | undefined;
  const name = isScalar(nameNode) ? nameNode.value : undefined;
  if (typeof name !== 'string' || !TOPIC_NAME.test(name)) {
    fail(nameNode ?? entry, 'name must be a topic name: 1 to 249 of a-z A-Z 0-9 . _ -');
  }
  const topicName = name;
  if (topicName.startsWith('__')) fail(nameNode, `${topicName} is an internal topic name`);
  const count = (key: string): number | undefined => {
    const node = entry.get(key, true) as Node | undefined;
    if (node === undefined) return undefined;
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      fail(node, `${key} must be an integer >= 1`);
    return value;
  };
  const partitions = count('partitions');
  const replicationFactor = count('replicationFactor');
  const configs: Record<string, string> = {};
  const configsNode = entry.get('configs', true) as Node | undefined;
  if (configsNode !== undefined && !(isScalar(configsNode) && configsNode.value === null)) {
    if (!isMap(configsNode)) fail(configsNode, 'configs must be a map of config names to values');
    for (const pair of configsNode.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof key !== 'string' || key === '') fail(pair.key as Node, 'a config name must be text');
      configs[key] = configValue(pair.value as Node | null, key, fail);
    }
  }
  return {
    name: topicName,
    ...(partitions !== undefined ? { partitions } : {}),
    ...(replicationFactor !== undefined ? { replicationFactor } : {}),
    configs,
    line,
  };
}

/** A config's text as Kafka takes it: scalars as written, a list joined by commas (cleanup.policy). */
function configValue(
  node: Node | null,
  key: string,
  fail: (node: Node | null | undefined, message: string) => never,
): string {
  const scalarText = (value: unknown): string | null =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  if (isScalar(node) && scalarText(node.value) !== null) return scalarText(node.value)!;
  if (isSeq(node) && node.items.every((i) => isScalar(i) && scalarText(i.value) !== null)) {
    return node.items.map((i) => scalarText((i as { value: unknown }).value)!).join(',');
  }
  return fail(node, `config ${key} must be a value (text, number, boolean) or a list of them`);
}
