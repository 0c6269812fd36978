// brook topic create|list|describe|alter-config|add-partitions|delete — kafka-topics.sh and
// kafka-configs.sh for topics, over Brook's client.
import { Command } from 'commander';
import { Admin, ClientError, type ConfigEntry, type TopicMetadata } from '../../client/index.js';
import { ErrorCode } from '../../common/index.js';
import { type ConnectionFlags, withClient, withConnection } from '../connection.js';
import { fields, json, out, table } from '../output.js';
import { collect, integer, keyValue } from '../parse.js';

function topicJson(topic: TopicMetadata) {
  return {
    name: topic.name,
    topicId: topic.topicId,
    internal: topic.isInternal,
    partitions: topic.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leaderId,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicas,
      isr: p.isr,
      offline: p.offline,
    })),
  };
}

const list = (ids: readonly number[]) => (ids.length === 0 ? '-' : ids.join(','));

export function topicCommand(): Command {
  const topic = new Command('topic').description('create, list, describe, configure and delete topics');

  withConnection(
    topic
      .command('create <name>')
      .description('create a topic')
      .option('--partitions <n>', 'partitions (default: the broker’s num.partitions)', integer(1))
      .option('--replication-factor <n>', 'replicas of each partition (default: the broker’s)', integer(1))
      .option('--config <key=value>', 'a topic config (repeatable)', keyValue, {})
      .option('--if-not-exists', 'succeed when the topic exists already'),
  ).action(async (name: string, flags: ConnectionFlags & CreateFlags) => {
    await withClient(flags, async (client) => {
      const admin = new Admin(client);
      try {
        await admin.createTopic({
          name,
          partitions: flags.partitions ?? -1,
          replicationFactor: flags.replicationFactor ?? -1,
          configs: flags.config,
        });
      } catch (err) {
        if (flags.ifNotExists && err instanceof ClientError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS) {
          return report(flags, { topic: name, created: false }, `topic ${name} exists already`);
        }
        throw err;
      }
      const created = await admin.describeTopic(name);
      report(
        flags,
        { topic: name, created: true, partitions: created.partitions.length },
        `created topic ${name} (${created.partitions.length} partitions)`,
      );
    });
  });

  withConnection(
    topic
      .command('list')
      .description('list topics')
      .option('--internal', 'include internal topics (__consumer_offsets)'),
  ).action(async (flags: ConnectionFlags & { internal?: boolean }) => {
    await withClient(flags, async (client) => {
      const topics = await new Admin(client).listTopics(flags.internal === true);
      if (flags.output === 'json')
        return out(
          json(
            topics.map((t) => ({
              name: t.name,
              partitions: t.partitions.length,
              replicationFactor: t.partitions[0]?.replicas.length ?? 0,
              internal: t.isInternal,
            })),
          ),
        );
      out(
        table(
          ['TOPIC', 'PARTITIONS', 'REPLICATION'],
          topics.map((t) => [t.name, t.partitions.length, t.partitions[0]?.replicas.length ?? 0]),
        ),
      );
    });
  });

  withConnection(
    topic
      .command('describe <name>')
      .description('a topic’s partitions (leader, replicas, in-sync replicas) and configs')
      .option('--all-configs', 'every config, not only the topic’s own'),
  ).action(async (name: string, flags: ConnectionFlags & { allConfigs?: boolean }) => {
    await withClient(flags, async (client) => {
      const admin = new Admin(client);
      const described = await admin.describeTopic(name);
      const configs = (await admin.topicConfigs(name)).filter((c) => flags.allConfigs === true || c.source === 'topic');
      if (flags.output === 'json') return out(json({ ...topicJson(described), configs: configsJson(configs) }));
      out(
        fields([
          ['topic', described.name],
          ['topic id', described.topicId],
          ['partitions', described.partitions.length],
          ['replication factor', described.partitions[0]?.replicas.length ?? 0],
        ]),
      );
      out('\n');
      out(
        table(
          ['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'OFFLINE'],
          described.partitions.map((p) => [
            p.partition,
            p.leaderId < 0 ? 'none' : p.leaderId,
            p.leaderEpoch,
            list(p.replicas),
            list(p.isr),
            list(p.offline),
          ]),
        ),
      );
      out('\n');
      if (configs.length === 0)
        out('configs: none set on the topic (brokers’ defaults apply; --all-configs lists them)\n');
      else
        out(
          table(
            ['CONFIG', 'VALUE', 'SOURCE'],
            configs.map((c) => [c.name, c.sensitive ? '(sensitive)' : c.value, c.source]),
          ),
        );
    });
  });

  withConnection(
    topic
      .command('alter-config <name>')
      .description('set or remove topic configs (a removed one falls back to the broker’s value)')
      .option('--set <key=value>', 'set a config (repeatable)', keyValue, {})
      .option('--delete <key>', 'remove a config (repeatable)', collect, []),
  ).action(async (name: string, flags: ConnectionFlags & { set: Record<string, string>; delete: string[] }) => {
    if (Object.keys(flags.set).length === 0 && flags.delete.length === 0) {
      throw new ClientError('nothing to alter: give --set key=value or --delete key');
    }
    await withClient(flags, async (client) => {
      await new Admin(client).alterTopicConfigs(name, flags.set, flags.delete);
      report(flags, { topic: name, set: flags.set, deleted: flags.delete }, `altered configs of ${name}`);
    });
  });

  withConnection(
    topic
      .command('add-partitions <name>')
      .description('raise a topic’s partition count (partitions cannot be removed)')
      .requiredOption('--partitions <n>', 'the new total number of partitions', integer(1)),
  ).action(async (name: string, flags: ConnectionFlags & { partitions: number }) => {
    await withClient(flags, async (client) => {
      await new Admin(client).addPartitions(name, flags.partitions);
      report(flags, { topic: name, partitions: flags.partitions }, `topic ${name} has ${flags.partitions} partitions`);
    });
  });

  withConnection(
    topic
      .command('delete <name>')
      .description('delete a topic and its data')
      .option('--if-exists', 'succeed when there is no such topic'),
  ).action(async (name: string, flags: ConnectionFlags & { ifExists?: boolean }) => {
    await withClient(flags, async (client) => {
      try {
        await new Admin(client).deleteTopic(name);
      } catch (err) {
        if (flags.ifExists && err instanceof ClientError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
          return report(flags, { topic: name, deleted: false }, `no topic ${name}`);
        }
        throw err;
      }
      report(flags, { topic: name, deleted: true }, `deleted topic ${name}`);
    });
  });

  return topic;
}

interface CreateFlags {
  readonly partitions?: number;
  readonly replicationFactor?: number;
  readonly config: Record<string, string>;
  readonly ifNotExists?: boolean;
}

function configsJson(configs: readonly ConfigEntry[]) {
  return configs.map((c) => ({
    name: c.name,
    value: c.sensitive ? null : c.value,
    source: c.source,
    sensitive: c.sensitive,
  }));
}

/** The result of a change: a line for people, an object for scripts. */
export function report(flags: ConnectionFlags, value: unknown, line: string): void {
  if (flags.output === 'json') out(json(value));
  else out(`${line}\n`);
}
