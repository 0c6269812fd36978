// The console's actions, each an admin request made as the logged-in user: create a topic, delete
// one, and seek a group's committed offsets (to the earliest or latest offset, an offset, or the
// first record at a time), as kafka-consumer-groups.sh --reset-offsets does: a plan first (each
// partition's offset now and after), and the commit only when asked to execute it, only while the
// group has no members (the coordinator refuses a commit from outside a live group).
import { type Admin, ClientError, type NewTopic } from '../client/index.js';
import { ErrorCode } from '../common/index.js';

/** A request the console refuses before asking the cluster: answered 400 with the message. */
export class BadRequest extends Error {
  override name = 'BadRequest';
}

function record(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('expected a JSON object');
  return body as Record<string, unknown>;
}

function text(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw new BadRequest(`${name}: expected a non-empty string`);
  return value;
}

function integer(body: Record<string, unknown>, name: string, fallback: number, min: number): number {
  const value = body[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || (value < min && value !== fallback)) {
    throw new BadRequest(`${name}: expected an integer of at least ${min}`);
  }
  return value;
}

export function parseNewTopic(body: unknown): NewTopic {
  const input = record(body);
  const configs = input.configs ?? {};
  if (typeof configs !== 'object' || configs === null || Array.isArray(configs)) {
    throw new BadRequest('configs: expected an object of strings');
  }
  for (const [name, value] of Object.entries(configs)) {
    if (typeof value !== 'string') throw new BadRequest(`configs.${name}: expected a string`);
  }
  return {
    name: text(input, 'name'),
    partitions: integer(input, 'partitions', -1, 1),
    replicationFactor: integer(input, 'replicationFactor', -1, 1),
    configs: configs as Record<string, string>,
  };
}

export function parseTopicName(body: unknown): string {
  return text(record(body), 'name');
}

export interface SeekRequest {
  readonly group: string;
  /** null: every topic the group has offsets for. */
  readonly topic: string | null;
  readonly to: 'earliest' | 'latest' | { readonly offset: number } | { readonly timestampMs: number };
  readonly execute: boolean;
}

export function parseSeek(body: unknown): SeekRequest {
  const input = record(body);
  const to = input.to;
  let target: SeekRequest['to'];
  if (to === 'earliest' || to === 'latest') target = to;
  else if (typeof to === 'object' && to !== null && 'offset' in to) target = { offset: integer(to, 'offset', 0, 0) };
  else if (typeof to === 'object' && to !== null && 'timestampMs' in to) {
    target = { timestampMs: integer(to, 'timestampMs', 0, 0) };
  } else throw new BadRequest("to: expected 'earliest', 'latest', {offset} or {timestampMs}");
  const topic = input.topic ?? null;
  if (topic !== null && (typeof topic !== 'string' || topic === '')) throw new BadRequest('topic: expected a string');
  return { group: text(input, 'group'), topic, to: target, execute: input.execute === true };
}

export interface SeekPlanRow {
  readonly topic: string;
  readonly partition: number;
  /** null: nothing committed yet. */
  readonly currentOffset: number | null;
  readonly newOffset: number;
}

export interface SeekResult {
  readonly group: string;
  readonly state: string;
  readonly executed: boolean;
  readonly plan: readonly SeekPlanRow[];
}

/** Where each partition's offset goes: an offset is kept within the log, a time past the end goes to it. */
async function targetOffsets(
  admin: Admin,
  topic: string,
  partitions: readonly number[],
  to: SeekRequest['to'],
): Promise<{ partition: number; offset: number }[]> {
  const at = (list: readonly { partition: number; offset: number }[], partition: number) =>
    list.find((o) => o.partition === partition)?.offset ?? 0;
  if (to === 'earliest' || to === 'latest') {
    const found = await admin.listOffsets(topic, partitions, to);
    return partitions.map((partition) => ({ partition, offset: at(found, partition) }));
  }
  const latest = await admin.listOffsets(topic, partitions, 'latest');
  if ('offset' in to) {
    const earliest = await admin.listOffsets(topic, partitions, 'earliest');
    return partitions.map((partition) => ({
      partition,
      offset: Math.min(Math.max(to.offset, at(earliest, partition)), at(latest, partition)),
    }));
  }
  const found = await admin.listOffsets(topic, partitions, to);
  return partitions.map((partition) => {
    const offset = found.find((o) => o.partition === partition)?.offset ?? -1;
    return { partition, offset: offset < 0 ? at(latest, partition) : offset };
  });
}

export async function seekGroup(admin: Admin, request: SeekRequest): Promise<SeekResult> {
  const description = await admin.describeGroup(request.group);
  const committed = await admin.committedOffsets(request.group);
  const topics = request.topic !== null ? [request.topic] : [...new Set(committed.map((o) => o.topic))].sort();
  if (topics.length === 0) throw new BadRequest(`group ${request.group} has no committed offsets: name a topic`);
  const plan: SeekPlanRow[] = [];
  for (const topic of topics) {
    const metadata = await admin.describeTopic(topic);
    const partitions = metadata.partitions.map((p) => p.partition).sort((a, b) => a - b);
    for (const { partition, offset } of await targetOffsets(admin, topic, partitions, request.to)) {
      const current = committed.find((o) => o.topic === topic && o.partition === partition)?.offset ?? null;
      plan.push({ topic, partition, currentOffset: current, newOffset: offset });
    }
  }
  const result = { group: request.group, state: description.state, plan };
  if (!request.execute) return { ...result, executed: false };
  if (description.members.length > 0) {
    throw new ClientError(
      `group ${request.group} has ${description.members.length} member(s) (${description.state}): ` +
        'offsets can be changed only while its consumers are stopped',
      ErrorCode.NON_EMPTY_GROUP,
    );
  }
  await admin.commitOffsets(
    request.group,
    plan.map((row) => ({ topic: row.topic, partition: row.partition, offset: row.newOffset, metadata: null })),
  );
  return { ...result, executed: true };
}
