// Chaos with real processes: a three-node cluster under an idempotent acks=all workload and a
// consumer group, while a nemesis kill -9s the leader of the busiest partition (and, in a second
// run, the controller) again and again and restarts it. Afterwards every partition is read back
// and the history is checked for the Jepsen Kafka anomalies: none may appear. The time from each
// kill until writes to the partition succeed again is recorded: median under 1.5 s, all under 3 s.
import { afterAll, describe, expect, it } from 'vitest';
import { sleep, startCluster, stopAll } from '../helpers/node-process.js';
import { checkHistory } from './history.js';
import { createTopic, leaderOf, metadataOf, Workload } from './workload.js';

const TOPIC = 'chaos';
const PARTITIONS = 3;
const KILLS = 4;

afterAll(async () => {
  await stopAll();
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function runScenario(victim: 'partition-leader' | 'controller'): Promise<void> {
  const nodes = await startCluster(3);
  await createTopic(nodes[0]!, TOPIC, PARTITIONS);
  const workload = new Workload(nodes, TOPIC, PARTITIONS);
  await workload.startProducers(3);
  await workload.startConsumers(2, `chaos-${victim}`);
  await sleep(2_000);

  const recoveries: number[] = [];
  for (let round = 0; round < KILLS; round++) {
    const target =
      victim === 'controller' ? (await metadataOf(nodes)).controllerId : (await leaderOf(nodes, TOPIC, 0)).leader;
    const node = nodes.find((n) => n.nodeId === target);
    expect(node, `round ${round}: no node ${target} to kill`).toBeDefined();
    const before = workload.acks.filter((a) => a.partition === 0).length;
    const killedAt = Date.now();
    await node!.kill();
    // Recovery: the first write to partition 0 sent after the kill and acknowledged (an answer
    // already on its way when the leader died would read as a recovery of a millisecond).
    let recoveredAt = 0;
    while (Date.now() - killedAt < 15_000) {
      const acked = workload.acks.filter((a) => a.partition === 0).length;
      if (acked > before && (workload.lastAckSentAt.get(0) ?? 0) >= killedAt) {
        recoveredAt = workload.lastAckAt.get(0)!;
        break;
      }
      await sleep(10);
    }
    expect(recoveredAt, `round ${round}: writes never recovered`).toBeGreaterThan(0);
    recoveries.push(recoveredAt - killedAt);
    await sleep(1_000);
    await node!.start();
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
      `recovery after kill (ms): ${recoveries.join(', ')}; median ${median(recoveries)}; anomalies: ${JSON.stringify(result.counts)}`,
  );
  for (const anomaly of result.anomalies.slice(0, 10)) console.log(`  ${anomaly.kind}: ${anomaly.detail}`);
  expect(result.acked).toBeGreaterThan(100);
  expect(result.anomalies).toEqual([]);
  expect(median(recoveries)).toBeLessThan(1500);
  expect(Math.max(...recoveries)).toBeLessThan(3000);
  await stopAll();
}

describe('chaos: kill -9 under load', () => {
  it('loses no acknowledged write when the leader of the busiest partition is killed repeatedly', async () => {
    await runScenario('partition-leader');
  }, 180_000);

  it('loses no acknowledged write when the controller is killed repeatedly', async () => {
    await runScenario('controller');
  }, 180_000);
});
