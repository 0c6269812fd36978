// brook partition list: every partition's leader, replicas and in-sync replicas (Metadata), its
// write and read quorums (the topic's write.quorum and read.quorum as DescribeConfigs resolves
// them), and its high watermark and log end as its leader reports them on its HTTP port
// (/partitions; the port is the leader's http.port setting, read with DescribeConfigs). A
// partition with fewer in-sync replicas than its write quorum is under quorum: acks=all produces
// to it fail with NOT_ENOUGH_REPLICAS. Where a leader's HTTP port cannot be reached, the high
// watermark comes from ListOffsets and the log end is not shown.
import { Command } from 'commander';
import { errorName } from '../../common/index.js';
import { Admin, type KafkaClient, type TopicMetadata } from '../../client/index.js';
import { type ConnectionFlags, withClient, withConnection } from '../connection.js';
import { json, out, table } from '../output.js';
import { addReassignCommands } from './reassign.js';

interface ReplicaView {
  readonly topic: string;
  readonly partition: number;
  readonly role: string;
  readonly highWatermark: number;
  readonly logEndOffset: number;
}

interface PartitionRow {
  readonly topic: string;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly highWatermark: number | null;
  readonly logEndOffset: number | null;
  readonly writeQuorum: number | null;
  readonly readQuorum: number | null;
  readonly underQuorum: boolean;
}

const HTTP_TIMEOUT_MS = 5_000;

/** The replicas broker `nodeId` leads, from its HTTP /partitions; null when it cannot be asked. */
async function leaderViews(client: KafkaClient, admin: Admin, nodeId: number): Promise<ReplicaView[] | null> {
  const broker = client.knownBrokers.find((b) => b.nodeId === nodeId);
  if (!broker) return null;
  try {
    const configs = await admin.brokerConfigs(nodeId, ['http.port']);
    const port = configs.find((c) => c.name === 'http.port')?.value;
    if (port === undefined || port === null) return null;
    const host = broker.host.includes(':') ? `[${broker.host}]` : broker.host;
    const response = await fetch(`http://${host}:${port}/partitions`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    if (!response.ok) return null;
    const body = (await response.json()) as { partitions?: ReplicaView[] };
    return (body.partitions ?? []).filter((p) => p.role === 'leader');
  } catch {
    return null;
  }
}

async function quorumsOf(admin: Admin, topic: string): Promise<{ write: number | null; read: number | null }> {
  const configs = await admin.topicConfigs(topic);
  const value = (name: string) => {
    const text = configs.find((c) => c.name === name)?.value;
    return text === undefined || text === null ? null : Number(text);
  };
  return { write: value('write.quorum'), read: value('read.quorum') };
}

async function rows(client: KafkaClient, topics: readonly TopicMetadata[]): Promise<PartitionRow[]> {
  const admin = new Admin(client);
  const leaders = [...new Set(topics.flatMap((t) => t.partitions.map((p) => p.leaderId)).filter((id) => id >= 0))];
  const views = new Map<number, ReplicaView[] | null>(
    await Promise.all(leaders.map(async (id) => [id, await leaderViews(client, admin, id)] as const)),
  );
  const out: PartitionRow[] = [];
  for (const topic of topics) {
    const quorums = await quorumsOf(admin, topic.name);
    const missing = topic.partitions
      .filter((p) => p.leaderId >= 0 && views.get(p.leaderId) === null)
      .map((p) => p.partition);
    const latest = missing.length > 0 ? await admin.listOffsets(topic.name, missing, 'latest') : [];
    for (const p of topic.partitions) {
      const view = views.get(p.leaderId)?.find((v) => v.topic === topic.name && v.partition === p.partition);
      out.push({
        topic: topic.name,
        partition: p.partition,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicas,
        isr: p.isr,
        highWatermark: view?.highWatermark ?? latest.find((o) => o.partition === p.partition)?.offset ?? null,
        logEndOffset: view?.logEndOffset ?? null,
        writeQuorum: quorums.write,
        readQuorum: quorums.read,
        underQuorum: p.leaderId < 0 || (quorums.write !== null && p.isr.length < quorums.write),
      });
    }
  }
  return out;
}

export function partitionCommand(): Command {
  const partition = new Command('partition').description('partitions: leaders, replicas, offsets, quorums');
  withConnection(
    partition
      .command('list')
      .description('leader, replicas, in-sync replicas, high watermark, log end, W/R and under-quorum flag')
      .option('--topic <topic>', 'only this topic')
      .option('--internal', 'include internal topics'),
  ).action(async (flags: ConnectionFlags & { topic?: string; internal?: boolean }) => {
    await withClient(flags, async (client) => {
      const admin = new Admin(client);
      const topics =
        flags.topic !== undefined
          ? [await admin.describeTopic(flags.topic)]
          : await admin.listTopics(flags.internal === true);
      const list = await rows(client, topics);
      if (flags.output === 'json') return out(json(list));
      const ids = (l: readonly number[]) => (l.length === 0 ? '-' : l.join(','));
      out(
        table(
          ['TOPIC', 'PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'HW', 'LOG-END', 'W', 'R', 'UNDER-QUORUM'],
          list.map((r) => [
            r.topic,
            r.partition,
            r.leader < 0 ? 'none' : r.leader,
            r.leaderEpoch,
            ids(r.replicas),
            ids(r.isr),
            r.highWatermark,
            r.logEndOffset,
            r.writeQuorum,
            r.readQuorum,
            r.underQuorum ? 'yes' : 'no',
          ]),
        ),
      );
    });
  });
  withConnection(
    partition
      .command('elect-leaders')
      .description(
        "move leaderships to each partition's preferred (first) replica; --unclean elects any live replica of a partition without a leader, and may lose acknowledged writes",
      )
      .option('--topic <topic>', 'only this topic (default: every partition)')
      .option('--partition <n>', 'only this partition of --topic', (v) => Number.parseInt(v, 10))
      .option('--unclean', 'an unclean election (only for partitions whose leader is down)'),
  ).action(async (flags: ConnectionFlags & { topic?: string; partition?: number; unclean?: boolean }) => {
    await withClient(flags, async (client) => {
      const admin = new Admin(client);
      let partitions: { topic: string; partition: number }[] | null = null;
      if (flags.topic !== undefined) {
        const ids =
          flags.partition !== undefined
            ? [flags.partition]
            : (await admin.describeTopic(flags.topic)).partitions.map((p) => p.partition);
        partitions = ids.map((id) => ({ topic: flags.topic!, partition: id }));
      }
      const results = await admin.electLeaders(flags.unclean === true ? 'unclean' : 'preferred', partitions);
      if (flags.output === 'json') return out(json(results));
      out(
        table(
          ['TOPIC', 'PARTITION', 'RESULT'],
          results.map((r) => [
            r.topic,
            r.partition,
            r.errorCode === 0 ? 'elected' : `${errorName(r.errorCode)}: ${r.errorMessage ?? ''}`,
          ]),
        ),
      );
    });
  });
  addReassignCommands(partition);
  return partition;
}
