// What the console's pages show, read through the in-process Admin (Metadata, DescribeConfigs,
// ListGroups, DescribeGroups, OffsetFetch, ListOffsets) and, for what no Kafka API carries, the
// node's own views: brokers fenced or live, the Raft state, a partition's log end and size from
// its leader (this node's replicas here, another leader's from its HTTP /partitions).
import type { Admin, ConfigEntry, KafkaClient } from '../client/index.js';
import type { ConsoleNode, LocalReplica } from './node-view.js';

export interface ClusterView {
  readonly clusterId: string;
  /** The node serving the console. */
  readonly nodeId: number;
  readonly controllerId: number;
  readonly raft: ReturnType<ConsoleNode['raft']>;
  readonly brokers: readonly {
    nodeId: number;
    host: string | null;
    port: number | null;
    state: 'live' | 'fenced';
    controller: boolean;
  }[];
}

export interface PartitionView {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly highWatermark: number | null;
  readonly logEndOffset: number | null;
  readonly logStartOffset: number | null;
  /** Bytes of the leader's log; null when the leader is another node. */
  readonly sizeBytes: number | null;
}

export interface TopicView {
  readonly name: string;
  readonly internal: boolean;
  readonly writeQuorum: number | null;
  readonly readQuorum: number | null;
  readonly sizeBytes: number | null;
  readonly partitions: readonly PartitionView[];
  readonly configs: readonly ConfigEntry[];
}

export interface GroupPartitionView {
  readonly topic: string;
  readonly partition: number;
  readonly committedOffset: number | null;
  readonly logEndOffset: number | null;
  readonly lag: number | null;
  /** The member the partition is assigned to. */
  readonly memberId: string | null;
}

export interface GroupView {
  readonly groupId: string;
  readonly state: string;
  readonly protocol: string;
  readonly coordinatorId: number;
  readonly members: readonly { memberId: string; clientId: string; clientHost: string; assignment: string[] }[];
  readonly partitions: readonly GroupPartitionView[];
  readonly totalLag: number;
  /** Why the group could not be described, when it could not. */
  readonly error: string | null;
}

const HTTP_TIMEOUT_MS = 3_000;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function clusterView(node: ConsoleNode, client: KafkaClient): Promise<ClusterView> {
  const { controllerId } = await client.metadata([]);
  return {
    clusterId: node.clusterId,
    nodeId: node.nodeId,
    controllerId,
    raft: node.raft(),
    brokers: node.brokers().map((b) => ({
      nodeId: b.nodeId,
      host: b.address?.host ?? null,
      port: b.address?.port ?? null,
      state: b.fenced ? 'fenced' : 'live',
      controller: b.nodeId === controllerId,
    })),
  };
}

interface RemoteReplica {
  readonly topic: string;
  readonly partition: number;
  readonly role: string;
  readonly highWatermark: number;
  readonly logEndOffset: number;
  readonly logStartOffset: number;
}

/** The replicas another broker leads, from its HTTP /partitions (its http.port from DescribeConfigs). */
async function remoteLeaders(admin: Admin, client: KafkaClient, nodeId: number): Promise<RemoteReplica[] | null> {
  const broker = client.knownBrokers.find((b) => b.nodeId === nodeId);
  if (!broker) return null;
  try {
    const port = (await admin.brokerConfigs(nodeId, ['http.port'])).find((c) => c.name === 'http.port')?.value;
    if (port === undefined || port === null) return null;
    const host = broker.host.includes(':') ? `[${broker.host}]` : broker.host;
    const response = await fetch(`http://${host}:${port}/partitions`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    if (!response.ok) return null;
    const body = (await response.json()) as { partitions?: RemoteReplica[] };
    return (body.partitions ?? []).filter((p) => p.role === 'leader');
  } catch {
    return null;
  }
}

function quorum(configs: readonly ConfigEntry[], name: string): number | null {
  const value = configs.find((c) => c.name === name)?.value;
  return value === undefined || value === null ? null : Number(value);
}

export async function topicsView(
  node: ConsoleNode,
  admin: Admin,
  client: KafkaClient,
  includeInternal: boolean,
): Promise<TopicView[]> {
  const topics = await admin.listTopics(includeInternal);
  const local = new Map<string, LocalReplica>(node.replicas().map((r) => [`${r.topic}/${r.partition}`, r]));
  const otherLeaders = [...new Set(topics.flatMap((t) => t.partitions.map((p) => p.leaderId)))].filter(
    (id) => id >= 0 && id !== node.nodeId,
  );
  const remote = new Map<string, RemoteReplica>();
  for (const list of await Promise.all(otherLeaders.map((id) => remoteLeaders(admin, client, id)))) {
    for (const r of list ?? []) remote.set(`${r.topic}/${r.partition}`, r);
  }
  return Promise.all(
    topics.map(async (topic) => {
      const configs = await admin.topicConfigs(topic.name).catch(() => [] as ConfigEntry[]);
      const partitions = topic.partitions.map((p): PartitionView => {
        const key = `${topic.name}/${p.partition}`;
        const mine = p.leaderId === node.nodeId ? local.get(key) : undefined;
        const view = mine ?? remote.get(key);
        return {
          partition: p.partition,
          leader: p.leaderId,
          replicas: p.replicas,
          isr: p.isr,
          highWatermark: view?.highWatermark ?? null,
          logEndOffset: view?.logEndOffset ?? null,
          logStartOffset: view?.logStartOffset ?? null,
          sizeBytes: mine?.sizeBytes ?? null,
        };
      });
      const sizes = partitions.map((p) => p.sizeBytes);
      return {
        name: topic.name,
        internal: topic.isInternal,
        writeQuorum: quorum(configs, 'write.quorum'),
        readQuorum: quorum(configs, 'read.quorum'),
        sizeBytes: sizes.every((s) => s !== null) ? sizes.reduce((a, b) => a + b, 0) : null,
        partitions,
        configs,
      };
    }),
  );
}

async function groupView(admin: Admin, groupId: string, coordinatorId: number): Promise<GroupView> {
  const description = await admin.describeGroup(groupId);
  const committed = await admin.committedOffsets(groupId);
  const owner = new Map<string, string>();
  for (const m of description.members) {
    for (const a of m.assignment) for (const p of a.partitions) owner.set(`${a.topic}/${p}`, m.memberId);
  }
  // Every partition the group has an offset for or is assigned, with the log end of each.
  const keys = new Map<string, { topic: string; partition: number }>();
  for (const o of committed) keys.set(`${o.topic}/${o.partition}`, o);
  for (const m of description.members) {
    for (const a of m.assignment)
      for (const p of a.partitions) keys.set(`${a.topic}/${p}`, { topic: a.topic, partition: p });
  }
  const ends = new Map<string, number>();
  for (const topic of new Set([...keys.values()].map((k) => k.topic))) {
    const ids = [...keys.values()].filter((k) => k.topic === topic).map((k) => k.partition);
    const offsets = await admin.listOffsets(topic, ids, 'latest').catch(() => []);
    for (const o of offsets) ends.set(`${topic}/${o.partition}`, o.offset);
  }
  const partitions = [...keys.entries()]
    .map(([key, { topic, partition }]): GroupPartitionView => {
      const committedOffset = committed.find((o) => o.topic === topic && o.partition === partition)?.offset ?? null;
      const end = ends.get(key) ?? null;
      return {
        topic,
        partition,
        committedOffset,
        logEndOffset: end,
        lag: end === null || committedOffset === null ? null : Math.max(0, end - committedOffset),
        memberId: owner.get(key) ?? null,
      };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return {
    groupId,
    state: description.state,
    protocol: description.protocol,
    coordinatorId,
    members: description.members.map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignment: m.assignment.flatMap((a) => a.partitions.map((p) => `${a.topic}-${p}`)),
    })),
    partitions,
    totalLag: partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0),
    error: null,
  };
}

export async function groupsView(admin: Admin): Promise<GroupView[]> {
  const groups = await admin.listGroups();
  return Promise.all(
    groups.map((g) =>
      groupView(admin, g.groupId, g.coordinatorId).catch((err: unknown): GroupView => ({
        groupId: g.groupId,
        state: g.state,
        protocol: '',
        coordinatorId: g.coordinatorId,
        members: [],
        partitions: [],
        totalLag: 0,
        error: message(err),
      })),
    ),
  );
}
