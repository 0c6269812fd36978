// Chaos with real processes: a three-node cluster under an idempotent acks=all workload and a
// consumer group, while a nemesis kill -9s the leader of the busiest partition (and, in a second
// run, the controller) again and again and restarts it. Afterwards every partition is read back
// and the history is checked for the Jepsen Kafka anomalies: none may appear. Each run also freezes
// its victim (SIGSTOP, SIGCONT after a few seconds): a leader that resumes must acknowledge nothing
// it cannot commit (the checker finds no lost write). Failover is the strict measure
// (failover.ts: from the fault to the acknowledgement of the first write sent after it), reported
// as median and maximum per fault kind; asserted: median within 1 s (the goal), every one within 5 s (goal 2 s).
import { afterAll, describe, expect, it } from 'vitest';
import { sleep, startCluster, stopAll } from '../helpers/node-process.js';
import { FailoverReport, strictRecoveryMs } from './failover.js';
import { checkHistory } from './history.js';
import { createTopic, leaderOf, metadataOf, Workload } from './workload.js';

const TOPIC = 'chaos';
const PARTITIONS = 3;
const KILLS = 4;
const FREEZES = 2;
const FREEZE_MS = 3_000;
const RECOVERY_MS_MAX = 15_000;
const KILL_MEDIAN_MS_MAX = 1_000;
const KILL_MS_MAX = 2_000;

afterAll(async () => {
  await stopAll();
});

async function runScenario(victim: 'partition-leader' | 'controller'): Promise<void> {
  const nodes = await startCluster(3);
  await createTopic(nodes[0]!, TOPIC, PARTITIONS);
  const workload = new Workload(nodes, TOPIC, PARTITIONS);
  await workload.startProducers(3);
  await workload.startConsumers(2, `chaos-${victim}`);
  await sleep(2_000);

  const report = new FailoverReport();
  const victimNode = async (round: string) => {
    const target =
      victim === 'controller' ? (await metadataOf(nodes)).controllerId : (await leaderOf(nodes, TOPIC, 0)).leader;
    const node = nodes.find((n) => n.nodeId === target);
    expect(node, `${round}: no node ${target} to hit`).toBeDefined();
    return node!;
  };
  for (let round = 0; round < KILLS; round++) {
    const node = await victimNode(`kill ${round}`);
    const killedAt = Date.now();
    await node.kill();
    const ms = await strictRecoveryMs(workload, 0, killedAt, Date.now(), RECOVERY_MS_MAX);
    expect(ms, `kill ${round}: writes never recovered`).toBeLessThan(RECOVERY_MS_MAX);
    report.add(`kill ${victim}`, ms);
    await sleep(1_000);
    await node.start();
    await sleep(2_000);
  }
  for (let round = 0; round < FREEZES; round++) {
    const node = await victimNode(`freeze ${round}`);
    const frozenAt = Date.now();
    node.pause();
    // Across the resume: the cluster fails over while it is frozen, or clients stuck on its
    // connections hear from it once it resumes (and it must not acknowledge what it cannot commit).
    const recovered = strictRecoveryMs(workload, 0, frozenAt, Date.now(), RECOVERY_MS_MAX);
    await sleep(FREEZE_MS);
    node.resume();
    const ms = await recovered;
    expect(ms, `freeze ${round}: writes never recovered`).toBeLessThan(RECOVERY_MS_MAX);
    report.add(`freeze ${victim}`, ms);
    await sleep(2_000);
  }
  await sleep(1_000);
  await workload.stopProducers();
  // Let the consumers catch up with everything acknowledged before judging "unseen".
  const ackedValues = new Set(workload.acks.map((a) => a.value));
  for (let i = 0; i < 300 && workload.polledCount() < ackedValues.size; i++) await sleep(100);
  const finalRead = await workload.finalRead();
  await workload.stopConsumers();

  const result = checkHistory({ acks: workload.acks, consumers: workload.consumers, finalRead });
  console.log(
    `chaos (${victim}): ${result.acked} acknowledged, ${result.stored} stored, ${workload.errors} unacknowledged attempts; ` +
      `anomalies: ${JSON.stringify(result.counts)}\nfailover (strict measure) per fault kind:\n${report.toString()}`,
  );
  for (const anomaly of result.anomalies.slice(0, 10)) console.log(`  ${anomaly.kind}: ${anomaly.detail}`);
  expect(result.acked).toBeGreaterThan(100);
  expect(result.anomalies).toEqual([]);
  // The goal: median 1 s, each within 2 s. Before the broker watch, kills took 0.5-0.8 s at load 2
  // and a median of 1.5 s (max 3.8 s) at load 14, waiting for missed heartbeats; with it the death is
  // seen when its connections close, and kills took 0.15-0.42 s (December 2026, in full runs too).
  expect(report.median(`kill ${victim}`)).toBeLessThanOrEqual(KILL_MEDIAN_MS_MAX);
  expect(report.max(`kill ${victim}`)).toBeLessThanOrEqual(KILL_MS_MAX);
  await stopAll();
}

describe('chaos: kill -9 under load', () => {
  it('loses no acknowledged write when the leader of the busiest partition is killed repeatedly', async () => {
    await runScenario('partition-leader');
  }, 240_000);

  it('loses no acknowledged write when the controller is killed repeatedly', async () => {
    await runScenario('controller');
  }, 240_000);
});
