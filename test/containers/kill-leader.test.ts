// Chaos with containers: three Brook nodes in Docker (the image this checkout builds), an
// idempotent acks=all workload of unique values from the host, and a
// nemesis that hits the leader of the busiest partition: SIGKILL and restart, a freeze (SIGSTOP,
// SIGCONT after a few seconds), then two cuts from its peers for a few seconds each (clients can still
// reach it) and back. After each fault writes to that partition must resume; failover is the strict
// measure (test/chaos/failover.ts), reported as median and maximum per fault kind; after the heal every node must name the same partition leaders
// again; at the end every partition is read back and the history checker must find none of the
// Jepsen Kafka anomalies that a final read can show (lost, duplicated, misplaced writes). No
// consumer group here, unlike the process chaos suite: after these faults kafkajs 2.2.4's consumer
// at times spins in a microtask loop while stopping (its fetchers restart at once when the broker
// list changed), which froze the test worker for good. Skipped with a printed reason only when no Docker daemon answers (and
// failing instead under BROOK_REQUIRE_TOOLS=1). `[t s]` lines show the progress; on a failure each
// node's /healthz, /partitions and last log lines are printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { FailoverReport, strictRecoveryMs } from '../chaos/failover.js';
import { checkHistory } from '../chaos/history.js';
import { createTopic, leaderOf, Workload } from '../chaos/workload.js';
import { BrookCluster, type BrookContainer } from './brook-cluster.js';
import { BROOK_IMAGE, ensureBrookImage, requireDocker } from './docker.js';

const run = requireDocker();

const TOPIC = 'chaos-containers';
const PARTITIONS = 3;
const KILLS = 3;
const FREEZES = 2;
const FREEZE_MS = 3_000;
const CUTS = 2;
const ISOLATION_MS = 4_000;
/** Writes to the victim's partition must succeed again within this long of each fault. */
const RECOVERY_MS_MAX = 15_000;
/** Reading every partition back must not take longer (it waits for leaders it can fetch from). */
const FINAL_READ_MS_MAX = 30_000;
/** After a heal every node must agree on every partition's leader within this long. */
const CONVERGENCE_MS_MAX = 15_000;
/**
 * What the suite asserts of the strict failover. Killed containers are held to the goal (median
 * 1 s, each within 2 s): with the broker watch they recovered in 0.37-0.64 s (median 0.50 s,
 * December 2026; 0.90-1.67 s, median 1.14 s, before it). Network cuts close no connection, so they
 * still wait for the cut-off leader to fence itself after 600 ms: 0.76-1.13 s, once 1.95 s; the
 * bound leaves room for a busy CI machine.
 */
const KILL_MEDIAN_MS_MAX = 1_000;
const KILL_MS_MAX = 2_000;
const CUT_MS_MAX = 3_000;
/** One Metadata question to one node. */
const REQUEST_TIMEOUT_MS = 3_000;

let cluster: BrookCluster | null = null;
let workload: Workload | null = null;
const startedAt = Date.now();

function step(message: string): void {
  console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1)} s] ${message}`);
}

/** What each node says about the topic's partitions, and its last log lines. */
async function diagnostics(c: BrookCluster): Promise<string> {
  const parts = await Promise.all(
    c.nodes.map(async (n) => {
      const get = (path: string) =>
        fetch(`http://127.0.0.1:${n.httpPort}${path}`, { signal: AbortSignal.timeout(2_000) })
          .then((r) => r.text())
          .catch((err: unknown) => `(no answer: ${(err as Error).message})`);
      return `--- ${n.alias} (running: ${n.running}, ip ${await n.ipAddress()})\n${await get('/healthz')}\n${await get(`/partitions?topic=${TOPIC}`)}\n${await n.logs(15)}`;
    }),
  );
  return parts.join('\n');
}

let clientsStopped: Promise<void> | null = null;

/** Stops the workload's producers; once, however often it is called. */
function stopClients(): Promise<void> {
  clientsStopped ??= (async () => {
    if (!workload) return;
    await workload.stopProducers().catch(() => undefined);
    step('clients stopped');
  })();
  return clientsStopped;
}

afterAll(async () => {
  // Clients first (they retry against dying brokers), then every container and the network.
  await stopClients();
  await cluster?.remove();
  step('containers and network removed');
}, 60_000);

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

interface PartitionView {
  readonly partitionIndex: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

/** The topic's partitions, by index, as one node's Metadata answer tells them. */
async function partitionsOf(node: BrookContainer): Promise<PartitionView[]> {
  const client = await RawClient.connect(node.kafkaPort);
  try {
    const metadata = await client.request<{ topics: { name: string; partitions: PartitionView[] }[] }>(3, 9, {
      topics: null,
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const partitions = metadata.topics.find((t) => t.name === TOPIC)?.partitions ?? [];
    return [...partitions].sort((a, b) => a.partitionIndex - b.partitionIndex);
  } finally {
    client.close();
  }
}

/** `partition:leader@epoch` per partition of the topic, as one node's Metadata answer tells it. */
async function partitionViewOf(node: BrookContainer): Promise<string> {
  return (await partitionsOf(node)).map((p) => `${p.partitionIndex}:${p.leaderId}@${p.leaderEpoch}`).join(' ');
}

/**
 * Waits until every node names the same leader and epoch for every partition: a node that was
 * cut off must catch up with the metadata, or clients that ask it are sent to a stale leader.
 */
async function metadataConverges(c: BrookCluster, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let views: string[] = [];
  while (Date.now() < deadline) {
    views = await Promise.all(
      c.nodes.map((n) =>
        withTimeout(partitionViewOf(n), REQUEST_TIMEOUT_MS, 'Metadata').catch(
          (err: unknown) => `(${(err as Error).message})`,
        ),
      ),
    );
    if (views.every((v) => v === views[0])) return '';
    await sleep(200);
  }
  return c.nodes.map((n, i) => `${n.alias}: ${views[i]}`).join('; ');
}

/** The partition with the most acknowledged writes so far. */
function busiestPartition(w: Workload): number {
  const counts = new Array<number>(PARTITIONS).fill(0);
  for (const ack of w.acks) counts[ack.partition] = (counts[ack.partition] ?? 0) + 1;
  return counts.indexOf(Math.max(...counts));
}

/** The live node leading `partition`, asking until one answers with a leader it knows. */
async function leaderNode(c: BrookCluster, partition: number): Promise<BrookContainer> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { leader } = await withTimeout(leaderOf(c.nodes, TOPIC, partition), REQUEST_TIMEOUT_MS, 'Metadata').catch(
      () => ({ leader: -1 }),
    );
    const node = c.nodes.find((n) => n.nodeId === leader && n.running);
    if (node) return node;
    await sleep(100);
  }
  throw new Error(`partition ${partition} has no live leader`);
}

async function scenario(c: BrookCluster): Promise<void> {
  await createTopic(c.nodes[0]!, TOPIC, PARTITIONS);
  const w = new Workload(c.nodes, TOPIC, PARTITIONS);
  workload = w;
  await w.startProducers(3);
  await sleep(2_000);
  step(`workload running: ${w.acks.length} acknowledged`);

  const report = new FailoverReport();
  const check = async (kind: string, fault: string, partition: number, since: number, inEffectAt = since) => {
    const ms = await strictRecoveryMs(w, partition, since, inEffectAt, RECOVERY_MS_MAX);
    if (kind !== '') report.add(kind, ms);
    step(`${fault} (at ${since} ms since the epoch): the first write sent after it was acknowledged after ${ms} ms`);
    expect(ms, `${fault}: writes to partition ${partition} never resumed`).toBeLessThan(RECOVERY_MS_MAX);
  };

  for (let round = 0; round < KILLS; round++) {
    const partition = busiestPartition(w);
    const victim = await leaderNode(c, partition);
    const killedAt = Date.now();
    await victim.kill();
    const kill = `kill ${victim.alias} (leader of ${partition})`;
    await check('kill partition leader', kill, partition, killedAt, Date.now());
    await sleep(1_000);
    await victim.restart();
    step(`${victim.alias} restarted`);
    await sleep(2_000);
  }

  for (let round = 0; round < FREEZES; round++) {
    const partition = busiestPartition(w);
    const victim = await leaderNode(c, partition);
    const frozenAt = Date.now();
    await victim.freeze();
    const freeze = `freeze ${victim.alias} (leader of ${partition})`;
    // Measured across the thaw: the cluster fails over while the node is frozen, or the clients stuck
    // on its connections hear from it again once it resumes (then it must not acknowledge as leader).
    const recovered = check('freeze partition leader', freeze, partition, frozenAt, Date.now());
    await sleep(Math.max(0, FREEZE_MS - (Date.now() - frozenAt)));
    await victim.thaw();
    step(`${victim.alias} thawed`);
    await recovered;
    await sleep(2_000);
  }

  for (let round = 0; round < CUTS; round++) {
    const partition = busiestPartition(w);
    const victim = await leaderNode(c, partition);
    const addressBefore = await victim.ipAddress();
    const cutAt = Date.now();
    await victim.isolate();
    const cutInEffectAt = Date.now();
    const reachable = await fetch(`http://127.0.0.1:${victim.httpPort}/healthz`, {
      signal: AbortSignal.timeout(1_000),
    }).then(
      (r) => r.ok,
      () => false,
    );
    step(`${victim.alias} cut off from its peers (clients on the host reach it: ${reachable})`);
    const cut = `isolate ${victim.alias} (leader of ${partition})`;
    await check('network cut of partition leader', cut, partition, cutAt, cutInEffectAt);
    await sleep(Math.max(0, ISOLATION_MS - (Date.now() - cutAt)));
    const healedAt = Date.now();
    await victim.heal();
    step(`${victim.alias} reconnected (addresses before ${addressBefore}, after ${await victim.ipAddress()})`);
    // Writes go on after the heal, on every partition.
    for (let p = 0; p < PARTITIONS; p++) await check('', `after heal, partition ${p}`, p, healedAt);
    const disagreement = await metadataConverges(c, CONVERGENCE_MS_MAX);
    step(
      disagreement === '' ? 'every node names the same partition leaders' : `metadata still differs: ${disagreement}`,
    );
    expect(disagreement, `nodes disagree on partition leaders ${CONVERGENCE_MS_MAX} ms after the heal`).toBe('');
    await sleep(1_000);
  }

  await w.stopProducers();
  step(`producers stopped: ${new Set(w.acks.map((a) => a.value)).size} values acknowledged`);
  const finalRead = await withTimeout(w.finalRead(), FINAL_READ_MS_MAX, 'final read');
  step('final read done');
  await stopClients();

  const result = checkHistory({ acks: w.acks, consumers: w.consumers, finalRead });
  console.log(
    `chaos in containers: ${result.acked} acknowledged, ${result.stored} stored, ${w.errors} unacknowledged attempts; ` +
      `anomalies: ${JSON.stringify(result.counts)}\nfailover (strict measure) per fault kind:\n${report.toString()}`,
  );
  for (const anomaly of result.anomalies.slice(0, 10)) console.log(`  ${anomaly.kind}: ${anomaly.detail}`);
  expect(result.acked).toBeGreaterThan(100);
  expect(result.anomalies).toEqual([]);
  expect(report.median('kill partition leader')).toBeLessThanOrEqual(KILL_MEDIAN_MS_MAX);
  expect(report.max('kill partition leader')).toBeLessThanOrEqual(KILL_MS_MAX);
  expect(report.max('network cut of partition leader')).toBeLessThanOrEqual(CUT_MS_MAX);
}

describe.runIf(run)(`chaos in containers (${BROOK_IMAGE})`, () => {
  beforeAll(async () => {
    step(`building or checking ${BROOK_IMAGE}`);
    ensureBrookImage();
    step('image ready');
    cluster = await BrookCluster.start({ image: BROOK_IMAGE, nodes: 3 });
    step('cluster ready');
  }, 240_000);

  it('loses no acknowledged write when the busiest partition leader is killed, restarted and cut off', async () => {
    const c = cluster!;
    try {
      await scenario(c);
    } catch (err) {
      step(`failed: ${(err as Error).message.split('\n')[0]}`);
      await stopClients();
      console.log(`the cluster after the failure:\n${await diagnostics(c)}`);
      throw err;
    }
  }, 150_000);
});
