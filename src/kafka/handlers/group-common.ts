// Helpers the group handlers share.
import type { RequestContext } from '../handler.js';

/** Kafka reports a member's host as "/<address>", without the port. */
export function clientHostOf(context: RequestContext): string {
  const address = context.connection.remoteAddress;
  const colon = address.lastIndexOf(':');
  return `/${colon > 0 ? address.slice(0, colon) : address}`;
}

/** Groups per-partition results by topic, in first-seen order (the shape of most group responses). */
export function byTopic<P extends { topic: string }, R>(
  items: readonly P[],
  map: (item: P) => R,
): { name: string; partitions: R[] }[] {
  const topics = new Map<string, R[]>();
  for (const item of items) {
    let list = topics.get(item.topic);
    if (!list) topics.set(item.topic, (list = []));
    list.push(map(item));
  }
  return [...topics].map(([name, partitions]) => ({ name, partitions }));
}
