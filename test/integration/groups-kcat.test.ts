// librdkafka (kcat) consumer groups against a real node: balanced consumers (-G) join, share
// partitions, consume and commit, so a second run resumes where the first stopped; and the simple
// consumer (-C with group.id and -o stored) commits with generation -1 and resumes too.
// Skipped with a printed reason when kcat is not installed (never in CI).
import { spawn } from 'node:child_process';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kcat } from '../helpers/kcat.js';
import { sleep, startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { kcatAvailable, requireTool } from '../helpers/tools.js';

const run = requireTool('kcat', kcatAvailable);

describe.runIf(run)('kcat consumer groups', () => {
  let node: NodeProcess;
  let admin: Admin;

  async function produce(topic: string, partition: number, values: string[]): Promise<void> {
    const result = await kcat(
      ['-b', node.bootstrap, '-P', '-t', topic, '-p', String(partition)],
      `${values.join('\n')}\n`,
    );
    expect(result.code, result.stderr).toBe(0);
  }

  async function committed(groupId: string, topic: string): Promise<Map<number, number>> {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(offsets!.partitions.map((p) => [p.partition, Number(p.offset)]));
  }

  beforeAll(async () => {
    node = await startSingleNode({ extraArgs: ['--group-initial-rebalance-delay-ms', '500'] });
    const kafka = new Kafka({ clientId: 'kcat-groups', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect().catch(() => undefined);
    await stopAll();
  });

  it('a balanced consumer (-G) consumes, commits and resumes from its committed offsets', async () => {
    await admin.createTopics({ topics: [{ topic: 'kcat-g', numPartitions: 2 }], waitForLeaders: true });
    const first = Array.from({ length: 20 }, (_, i) => `first-${i}`);
    await produce('kcat-g', 0, first.slice(0, 10));
    await produce('kcat-g', 1, first.slice(10));
    const consume = () =>
      kcat(['-b', node.bootstrap, '-G', 'kcat-group', '-X', 'auto.offset.reset=earliest', '-e', '-q', 'kcat-g']);
    const run1 = await consume();
    expect(run1.code, run1.stderr).toBe(0);
    expect(run1.stdout.trim().split('\n').sort()).toEqual([...first].sort());
    expect(await committed('kcat-group', 'kcat-g')).toEqual(
      new Map([
        [0, 10],
        [1, 10],
      ]),
    );

    const second = ['second-0', 'second-1', 'second-2'];
    await produce('kcat-g', 1, second);
    const run2 = await consume();
    expect(run2.code, run2.stderr).toBe(0);
    expect(run2.stdout.trim().split('\n')).toEqual(second);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain('kcat-group');
  });

  it('two balanced consumers share the partitions of a topic', async () => {
    await admin.createTopics({ topics: [{ topic: 'kcat-shared', numPartitions: 4 }], waitForLeaders: true });
    const outputs: string[][] = [[], []];
    const children = outputs.map((lines) => {
      const child = spawn(
        'kcat',
        [
          '-b',
          node.bootstrap,
          '-G',
          'kcat-sharers',
          '-X',
          'auto.offset.reset=earliest',
          '-q',
          '-u',
          '-f',
          '%p %s\\n',
          'kcat-shared',
        ],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      let partial = '';
      child.stdout.on('data', (chunk: Buffer) => {
        const parts = (partial + chunk.toString()).split('\n');
        partial = parts.pop() ?? '';
        lines.push(...parts.filter((l) => l !== ''));
      });
      return child;
    });
    try {
      // Wait until both are members of one stable generation, each with partitions of its own.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const group = (await admin.describeGroups(['kcat-sharers'])).groups[0]!;
        if (
          group.state === 'Stable' &&
          group.members.length === 2 &&
          group.members.every((m) => m.memberAssignment.length > 8)
        ) {
          expect(['range', 'roundrobin']).toContain(group.protocol);
          break;
        }
        if (Date.now() > deadline) throw new Error(`group never stabilized: ${JSON.stringify(group)}`);
        await sleep(200);
      }
      const values = Array.from({ length: 40 }, (_, i) => `v${i}`);
      for (let p = 0; p < 4; p++)
        await produce(
          'kcat-shared',
          p,
          values.filter((_, i) => i % 4 === p),
        );
      const consumed = () => outputs.flat().map((l) => l.split(' ')[1]);
      for (let i = 0; i < 300 && consumed().length < values.length; i++) await sleep(100);
      expect([...consumed()].sort()).toEqual([...values].sort());
      const partitionsOf = (lines: string[]) => new Set(lines.map((l) => l.split(' ')[0]));
      const [p0, p1] = outputs.map(partitionsOf) as [Set<string>, Set<string>];
      expect(p0.size).toBeGreaterThan(0);
      expect(p1.size).toBeGreaterThan(0);
      expect([...p0].filter((p) => p1.has(p))).toEqual([]);
    } finally {
      for (const child of children) child.kill('SIGKILL');
    }
  });

  it('a simple consumer (-C, group.id, -o stored) commits with generation -1 and resumes', async () => {
    await admin.createTopics({ topics: [{ topic: 'kcat-simple', numPartitions: 1 }], waitForLeaders: true });
    const values = Array.from({ length: 15 }, (_, i) => `s${i}`);
    await produce('kcat-simple', 0, values);
    const consume = () =>
      kcat([
        '-b',
        node.bootstrap,
        '-C',
        '-t',
        'kcat-simple',
        '-p',
        '0',
        '-o',
        'stored',
        '-X',
        'group.id=kcat-simple-group',
        '-X',
        'auto.offset.reset=earliest',
        '-e',
        '-q',
      ]);
    const run1 = await consume();
    expect(run1.code, run1.stderr).toBe(0);
    expect(run1.stdout.trim().split('\n')).toEqual(values);
    expect(await committed('kcat-simple-group', 'kcat-simple')).toEqual(new Map([[0, 15]]));
    await produce('kcat-simple', 0, ['s15', 's16']);
    const run2 = await consume();
    expect(run2.stdout.trim().split('\n')).toEqual(['s15', 's16']);
    const group = (await admin.describeGroups(['kcat-simple-group'])).groups[0]!;
    expect(group).toMatchObject({ state: 'Empty', protocolType: '', members: [] });
  });
});
