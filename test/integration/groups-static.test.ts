// Static members (group.instance.id, KIP-345) with librdkafka against a real node: two kcat
// balanced consumers share a topic; one is killed (kill -9: no LeaveGroup) and restarted with the
// same instance id within the session timeout. As with Kafka 2.5+, it takes its old place under a
// new member id and gets its old partitions back with no rebalance, whether it led the group or
// not: the other member sees no revocation and keeps consuming its own partitions.
// (kafkajs has no group.instance.id; librdkafka is the real client here.)
import { spawn, type ChildProcess } from 'node:child_process';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSingleNode, stopAll, waitFor, type NodeProcess } from '../helpers/node-process.js';
import { kcatAvailable, requireTool } from '../helpers/tools.js';

const TOPIC = 'static';
const PARTITIONS = 4;
const GROUP = 'static-members';

let node: NodeProcess;
let admin: Admin;
let producer: Producer;
const children = new Set<ChildProcess>();

/** One kcat process of a static member: what it consumed and the rebalance events it reported. */
class Incarnation {
  readonly consumed: string[] = [];
  /** "assigned" or "revoked" with the partitions, in order. */
  readonly events: { kind: 'assigned' | 'revoked'; partitions: number[] }[] = [];
  memberId = '';
  private readonly child: ChildProcess;

  constructor(readonly instance: string) {
    this.child = spawn(
      'kcat',
      [
        '-b',
        node.bootstrap,
        '-G',
        GROUP,
        '-X',
        `group.instance.id=${instance}`,
        '-X',
        'session.timeout.ms=30000',
        '-X',
        'auto.offset.reset=earliest',
        '-u',
        '-f',
        '%p %s\\n',
        TOPIC,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(this.child);
    this.child.once('exit', () => children.delete(this.child));
    lines(this.child.stdout!, (line) => this.consumed.push(line));
    // librdkafka via kcat: "% Group G rebalanced (memberid M): assigned: static [0], static [1]"
    lines(this.child.stderr!, (line) => {
      const match = /rebalanced \(memberid ([^)]+)\): (assigned|revoked): (.*)$/.exec(line);
      if (!match) return;
      this.memberId = match[1]!;
      const partitions = [...match[3]!.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])).sort();
      this.events.push({ kind: match[2] as 'assigned' | 'revoked', partitions });
    });
  }

  /** Partitions held now: those of the last assignment, unless revoked since. */
  get owned(): number[] {
    const last = this.events.at(-1);
    return last?.kind === 'assigned' ? last.partitions : [];
  }

  crash(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (line !== '') onLine(line);
  });
}

async function stableWith(members: Incarnation[]): Promise<void> {
  await waitFor(
    `${members.map((m) => m.instance).join(', ')} to hold every partition in a Stable group`,
    async () => {
      const group = (await admin.describeGroups([GROUP])).groups[0]!;
      const owned = members.flatMap((m) => m.owned);
      return (
        group.state === 'Stable' &&
        group.members.length === members.length &&
        members.every((m) => m.owned.length > 0) &&
        new Set(owned).size === PARTITIONS &&
        owned.length === PARTITIONS
      );
    },
    30_000,
    100,
  );
}

/** Produces one record to every partition and waits until each reached the member holding it. */
async function consumedByOwners(members: Incarnation[], tag: string): Promise<void> {
  const values = Array.from({ length: PARTITIONS }, (_, p) => `${tag}-${p}`);
  await producer.send({ topic: TOPIC, messages: values.map((value, partition) => ({ partition, value })) });
  for (const member of members) {
    const expected = member.owned.map((p) => `${p} ${tag}-${p}`);
    await waitFor(`${member.instance} to consume ${expected.join(', ')}`, () =>
      Promise.resolve(expected.every((line) => member.consumed.includes(line))),
    );
  }
}

const run = requireTool('kcat', kcatAvailable);

beforeAll(async () => {
  node = await startSingleNode({ extraArgs: ['--group-initial-rebalance-delay-ms', '500'] });
  const kafka = new Kafka({ clientId: 'static-members', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await producer?.disconnect().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await stopAll();
});

describe.runIf(run)('static members restarting (librdkafka)', () => {
  it('the leader and then a follower restart without the group rebalancing', async () => {
    // pod-a joins first and so leads the group; pod-b joins it.
    let a = new Incarnation('pod-a');
    await stableWith([a]);
    let b = new Incarnation('pod-b');
    await stableWith([a, b]);
    await consumedByOwners([a, b], 'before');

    for (const role of ['leader', 'follower'] as const) {
      const gone = role === 'leader' ? a : b;
      const other = role === 'leader' ? b : a;
      const partitionsBefore = gone.owned;
      const otherEventsBefore = other.events.length;
      await gone.crash();
      const back = new Incarnation(gone.instance);
      if (role === 'leader') a = back;
      else b = back;
      await waitFor(`restarted ${role} ${gone.instance} to get partitions`, () =>
        Promise.resolve(back.owned.length > 0),
      );
      // Its old partitions, under a new member id, in its first and only assignment.
      expect(back.owned).toEqual(partitionsBefore);
      expect(back.events).toEqual([{ kind: 'assigned', partitions: partitionsBefore }]);
      expect(back.memberId).not.toBe(gone.memberId);
      // The other member saw nothing: no revocation, no new assignment.
      expect(other.events.slice(otherEventsBefore)).toEqual([]);
      const group = (await admin.describeGroups([GROUP])).groups[0]!;
      expect(group.state).toBe('Stable');
      expect(group.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
      // Both keep consuming their own partitions.
      await consumedByOwners([a, b], `after-${role}`);
    }
  }, 120_000);
});
