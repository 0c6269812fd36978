// The brook CLI against a real node process: topic create|list|describe|alter-config|
// add-partitions|delete, produce and consume, with tables and --output json, and the error paths
// a user meets (an unknown topic, a bad flag or value, an unreachable broker): one `brook:` line
// on stderr and a non-zero exit (2 for usage, 1 otherwise). Auto-creation is off so that an
// unknown topic stays unknown. Records produced by the CLI are read back with kafkajs, and
// records kafkajs produced are consumed by the CLI, so neither side checks only itself.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brook, shown } from '../helpers/cli.js';
import { freePort, type NodeProcess, startSingleNode, stopAll, tempDir } from '../helpers/node-process.js';

let node: NodeProcess;
let at: string[];

beforeAll(async () => {
  node = await startSingleNode({ extraArgs: ['--auto-create-topics', 'false', '--offsets-topic-partitions', '3'] });
  at = ['--bootstrap-server', node.bootstrap];
});

afterAll(async () => {
  await stopAll();
});

describe('brook topic', () => {
  it('creates, lists, describes, alters, grows and deletes a topic', async () => {
    const created = await brook([
      'topic',
      'create',
      'orders',
      '--partitions',
      '2',
      '--config',
      'retention.ms=60000',
      ...at,
    ]);
    expect(created.code, shown(created)).toBe(0);
    expect(created.stdout).toBe('created topic orders (2 partitions)\n');

    const listed = await brook(['topic', 'list', ...at]);
    expect(listed.code, shown(listed)).toBe(0);
    expect(listed.stdout).toMatch(/^TOPIC\s+PARTITIONS\s+REPLICATION\n/);
    expect(listed.stdout).toMatch(/^orders\s+2\s+1$/m);
    expect(listed.stdout).not.toContain('__consumer_offsets');
    const internal = JSON.parse((await brook(['topic', 'list', '--internal', '--output', 'json', ...at])).stdout) as {
      name: string;
      internal: boolean;
    }[];
    expect(internal).toContainEqual(expect.objectContaining({ name: '__consumer_offsets', internal: true }));

    const described = await brook(['topic', 'describe', 'orders', ...at]);
    expect(described.code, shown(described)).toBe(0);
    expect(described.stdout).toMatch(/^partitions:\s+2$/m);
    expect(described.stdout).toMatch(/^0\s+1\s+\d+\s+1\s+1\s+-$/m);
    expect(described.stdout).toMatch(/^retention\.ms\s+60000\s+topic$/m);

    const altered = await brook([
      'topic',
      'alter-config',
      'orders',
      '--set',
      'segment.bytes=1048576',
      '--delete',
      'retention.ms',
      ...at,
    ]);
    expect(altered.code, shown(altered)).toBe(0);
    const configs = JSON.parse((await brook(['topic', 'describe', 'orders', '--output', 'json', ...at])).stdout) as {
      partitions: { partition: number; leader: number; replicas: number[] }[];
      configs: { name: string; value: string; source: string }[];
    };
    expect(configs.configs).toEqual([{ name: 'segment.bytes', value: '1048576', source: 'topic', sensitive: false }]);
    expect(configs.partitions.map((p) => [p.partition, p.leader, p.replicas])).toEqual([
      [0, 1, [1]],
      [1, 1, [1]],
    ]);
    const all = await brook(['topic', 'describe', 'orders', '--all-configs', ...at]);
    expect(all.stdout).toMatch(/^retention\.ms\s+\d+\s+\S+$/m);

    const grown = await brook(['topic', 'add-partitions', 'orders', '--partitions', '3', ...at]);
    expect(grown.code, shown(grown)).toBe(0);
    expect(grown.stdout).toBe('topic orders has 3 partitions\n');
    const shrink = await brook(['topic', 'add-partitions', 'orders', '--partitions', '1', ...at]);
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toMatch(/^brook: .*INVALID_PARTITIONS.*\n$/);

    const again = await brook(['topic', 'create', 'orders', ...at]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^brook: .*TOPIC_ALREADY_EXISTS.*\n$/);
    const tolerated = await brook(['topic', 'create', 'orders', '--if-not-exists', '--output', 'json', ...at]);
    expect(tolerated.code, shown(tolerated)).toBe(0);
    expect(JSON.parse(tolerated.stdout)).toEqual({ topic: 'orders', created: false });

    const deleted = await brook(['topic', 'delete', 'orders', ...at]);
    expect(deleted.code, shown(deleted)).toBe(0);
    const gone = await brook(['topic', 'list', '--output', 'json', ...at]);
    expect((JSON.parse(gone.stdout) as { name: string }[]).map((t) => t.name)).not.toContain('orders');
  });

  it('answers an unknown topic with one line and exit 1, for every topic command', async () => {
    const commands = [
      ['topic', 'describe', 'nowhere'],
      ['topic', 'alter-config', 'nowhere', '--set', 'retention.ms=1000'],
      ['topic', 'add-partitions', 'nowhere', '--partitions', '5'],
      ['topic', 'delete', 'nowhere'],
    ];
    for (const command of commands) {
      const result = await brook([...command, ...at]);
      expect(result.code, `${command.join(' ')}\n${shown(result)}`).toBe(1);
      expect(result.stderr, command.join(' ')).toMatch(/^brook: .*UNKNOWN_TOPIC_OR_PARTITION.*\n$/);
      expect(result.stdout).toBe('');
    }
    const tolerated = await brook(['topic', 'delete', 'nowhere', '--if-exists', ...at]);
    expect(tolerated.code, shown(tolerated)).toBe(0);
  });

  it('refuses a bad config value and an alter with nothing to do', async () => {
    await brook(['topic', 'create', 'configured', '--partitions', '1', ...at]);
    const bad = await brook(['topic', 'alter-config', 'configured', '--set', 'retention.ms=soon', ...at]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^brook: .*INVALID_CONFIG.*\n$/);
    const empty = await brook(['topic', 'alter-config', 'configured', ...at]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe('brook: nothing to alter: give --set key=value or --delete key\n');
  });
});

describe('brook produce and consume', () => {
  const kafka = () => new Kafka({ brokers: [node.bootstrap], clientId: 'cli-test', logLevel: logLevel.NOTHING });

  it('produces stdin lines with keys and headers that kafkajs reads back, and consumes them with --format', async () => {
    await brook(['topic', 'create', 'lines', '--partitions', '2', ...at]);
    const produced = await brook(
      ['produce', 'lines', '--key-separator', ':', '--header', 'source=cli', '--acks', 'all', ...at],
      { stdin: 'k1:one\nk2:two words\nk1:three\n' },
    );
    expect(produced.code, shown(produced)).toBe(0);
    expect(produced.stderr).toBe('produced 3 records to lines\n');

    const consumer = kafka().consumer({ groupId: 'kafkajs-reader' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'lines', fromBeginning: true });
    const seen: { key: string; value: string; source: string; partition: number }[] = [];
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        seen.push({
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          source: message.headers?.source?.toString() ?? '',
          partition,
        });
        return Promise.resolve();
      },
    });
    const deadline = Date.now() + 20_000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await consumer.disconnect();
    expect(seen.map((s) => `${s.key}=${s.value}@${s.source}`).sort()).toEqual([
      'k1=one@cli',
      'k1=three@cli',
      'k2=two words@cli',
    ]);
    // The same key goes to the same partition.
    const k1 = seen.filter((s) => s.key === 'k1').map((s) => s.partition);
    expect(new Set(k1).size).toBe(1);

    const consumed = await brook(
      ['consume', 'lines', '--from-beginning', '--exit-at-end', '--format', '%p/%o %k|%s|%h|%K\\n', ...at],
      { timeoutMs: 20_000 },
    );
    expect(consumed.code, shown(consumed)).toBe(0);
    const where = new Map(seen.map((s) => [s.value, s.partition]));
    const lines = consumed.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/^\d+\/\d+ /, '')).sort()).toEqual([
      'k1|one|source=cli|2',
      'k1|three|source=cli|2',
      'k2|two words|source=cli|2',
    ]);
    for (const line of lines) {
      const [, partition, value] = /^(\d+)\/\d+ k\d\|([^|]+)\|/.exec(line)!;
      expect(Number(partition), line).toBe(where.get(value!));
    }
    expect(consumed.stderr).toBe('consumed 3 records\n');
  });

  it('consumes what kafkajs produced from an offset, a time and the end, and by partition', async () => {
    await brook(['topic', 'create', 'timeline', '--partitions', '1', ...at]);
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'timeline', messages: [{ value: 'r0' }, { value: 'r1' }, { value: 'r2' }] });
    await new Promise((r) => setTimeout(r, 20));
    const afterThree = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    await producer.send({ topic: 'timeline', messages: [{ value: 'r3' }, { value: 'r4' }] });

    const fromOffset = await brook(
      ['consume', 'timeline', '--partition', '0', '--offset', '3', '--exit-at-end', '--output', 'json', ...at],
      { timeoutMs: 20_000 },
    );
    expect(fromOffset.code, shown(fromOffset)).toBe(0);
    const records = fromOffset.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { offset: number; value: string; partition: number; key: string | null });
    expect(records.map((r) => [r.partition, r.offset, r.value, r.key])).toEqual([
      [0, 3, 'r3', null],
      [0, 4, 'r4', null],
    ]);

    const fromTime = await brook(
      ['consume', 'timeline', '--timestamp', new Date(afterThree).toISOString(), '--exit-at-end', ...at],
      { timeoutMs: 20_000 },
    );
    expect(fromTime.code, shown(fromTime)).toBe(0);
    expect(fromTime.stdout).toBe('r3\nr4\n');

    const counted = await brook(['consume', 'timeline', '--from-beginning', '--count', '2', ...at], {
      timeoutMs: 20_000,
    });
    expect(counted.code, shown(counted)).toBe(0);
    expect(counted.stdout).toBe('r0\nr1\n');

    // From the end (the default), a consumer sees only what comes after it started.
    const tail = brook(['consume', 'timeline', '--count', '1', ...at], { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    await producer.send({ topic: 'timeline', messages: [{ value: 'r5' }] });
    const tailed = await tail;
    await producer.disconnect();
    expect(tailed.code, shown(tailed)).toBe(0);
    expect(tailed.stdout).toBe('r5\n');

    const idle = await brook(['consume', 'timeline', '--timeout-ms', '500', ...at], { timeoutMs: 20_000 });
    expect(idle.code, shown(idle)).toBe(0);
    expect(idle.stdout).toBe('');
  });

  it('sends to the partition given, and with acks 0 and 1', async () => {
    await brook(['topic', 'create', 'aimed', '--partitions', '3', ...at]);
    const aimed = await brook(['produce', 'aimed', '--partition', '2', '--acks', '1', '--output', 'json', ...at], {
      stdin: 'a\nb\n',
    });
    expect(aimed.code, shown(aimed)).toBe(0);
    expect(aimed.stdout).toBe('{"partition":2,"offset":0}\n{"partition":2,"offset":1}\n');
    const fireAndForget = await brook(['produce', 'aimed', '--partition', '1', '--acks', '0', ...at], {
      stdin: 'c\n',
    });
    expect(fireAndForget.code, shown(fireAndForget)).toBe(0);
    const read = await brook(
      ['consume', 'aimed', '--partition', '1,2', '--from-beginning', '--count', '3', '--format', '%p:%s\\n', ...at],
      {
        timeoutMs: 20_000,
      },
    );
    expect(read.stdout.trimEnd().split('\n').sort()).toEqual(['1:c', '2:a', '2:b']);
  });

  it('answers errors of produce and consume with one line and a non-zero exit', async () => {
    const cases: { args: string[]; stdin?: string; code: number; stderr: RegExp }[] = [
      { args: ['produce', 'nowhere'], stdin: 'x\n', code: 1, stderr: /UNKNOWN_TOPIC_OR_PARTITION/ },
      { args: ['consume', 'nowhere', '--exit-at-end'], code: 1, stderr: /UNKNOWN_TOPIC_OR_PARTITION/ },
      {
        args: ['produce', 'lines', '--key-separator', ':'],
        stdin: 'no separator\n',
        code: 1,
        stderr: /line 1 has no key separator ':'/,
      },
      { args: ['produce', 'lines', '--acks', 'some'], code: 2, stderr: /--acks.*'some' is invalid/ },
      { args: ['produce', 'lines', '--partition', '-1'], code: 2, stderr: /--partition.*is invalid/ },
      { args: ['consume', 'lines', '--format', '%z'], code: 2, stderr: /unknown placeholder %z/ },
      { args: ['consume', 'lines', '--timestamp', 'yesterday'], code: 2, stderr: /--timestamp.*is invalid/ },
      { args: ['consume', 'lines', '--from-beginning', '--offset', '1'], code: 1, stderr: /give one of/ },
      { args: ['consume', 'lines', '--group', 'g', '--partition', '0'], code: 1, stderr: /cannot be used together/ },
      { args: ['consume', 'lines', '--offset', 'middle'], code: 1, stderr: /--offset must be/ },
      { args: ['consume', 'lines', '--output', 'xml'], code: 2, stderr: /--output.*xml/ },
      { args: ['produce'], code: 2, stderr: /missing required argument 'topic'/ },
    ];
    for (const c of cases) {
      const result = await brook([...c.args, ...at], { stdin: c.stdin ?? '', timeoutMs: 20_000 });
      const what = `${c.args.join(' ')}\n${shown(result)}`;
      expect(result.code, what).toBe(c.code);
      expect(result.stderr, what).toMatch(c.stderr);
      expect(
        result.stderr.split('\n').filter((l) => l !== ''),
        what,
      ).toHaveLength(1);
      expect(result.stderr, what).toMatch(/^brook: /);
    }
  });
});

describe('brook against no broker, and bad flags', () => {
  it('says which broker it could not reach and exits 1', async () => {
    const port = await freePort(); // nothing listens there
    // A short default.api.timeout.ms, so that seven commands do not each retry for 15 s.
    const dir = tempDir();
    const config = join(dir, 'quick.properties');
    writeFileSync(config, 'default.api.timeout.ms=1000\n');
    for (const command of [
      ['topic', 'list'],
      ['topic', 'create', 'x'],
      ['produce', 'x'],
      ['consume', 'x'],
      ['group', 'list'],
      ['cluster', 'info'],
      ['partition', 'list'],
    ]) {
      const result = await brook([...command, '--bootstrap-server', `127.0.0.1:${port}`, '--command-config', config], {
        stdin: 'x\n',
        timeoutMs: 60_000,
      });
      const what = `${command.join(' ')}\n${shown(result)}`;
      expect(result.code, what).toBe(1);
      expect(result.stderr, what).toBe(`brook: cannot reach any broker (127.0.0.1:${port}: connection refused)\n`);
    }
    // The CLI's own bound, without a properties file.
    const plain = await brook(['topic', 'list', '--bootstrap-server', `127.0.0.1:${port}`], { timeoutMs: 60_000 });
    expect(plain.code, shown(plain)).toBe(1);
    expect(plain.stderr).toBe(`brook: cannot reach any broker (127.0.0.1:${port}: connection refused)\n`);
  });

  it('takes the bootstrap servers from --command-config and BROOK_BOOTSTRAP_SERVER', async () => {
    const dir = tempDir();
    const file = join(dir, 'client.properties');
    writeFileSync(file, `# a client's properties\nbootstrap.servers=${node.bootstrap}\nclient.id=cli-test\n`);
    const fromFile = await brook(['topic', 'list', '--command-config', file]);
    expect(fromFile.code, shown(fromFile)).toBe(0);
    const fromEnv = await brook(['topic', 'list'], { env: { BROOK_BOOTSTRAP_SERVER: node.bootstrap } });
    expect(fromEnv.code, shown(fromEnv)).toBe(0);
    const missing = await brook(['topic', 'list', '--command-config', join(dir, 'absent.properties')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^brook: cannot read --command-config .*absent\.properties: ENOENT\n$/);
  });

  it('answers unknown commands, unknown flags and bad values with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['topic', 'create', 'x', '--bogus'], /^brook: unknown option '--bogus'\n$/],
      [
        ['topic', 'create', 'x', '--partitions', 'many'],
        /^brook: option '--partitions <n>' argument 'many' is invalid/,
      ],
      [['topic', 'create', 'x', '--config', 'novalue'], /^brook: option '--config <key=value>'.*key=value\n$/],
      [['topic', 'frobnicate'], /^brook: unknown command 'frobnicate'/],
      [['frobnicate'], /^brook: unknown command 'frobnicate'/],
      [['topic', 'add-partitions', 'x'], /^brook: required option '--partitions <n>' not specified\n$/],
    ];
    for (const [args, stderr] of cases) {
      const result = await brook(args);
      expect(result.code, `${args.join(' ')}\n${shown(result)}`).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(stderr);
    }
    const help = await brook(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('topic');
  });
});
