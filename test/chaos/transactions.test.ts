// Chaos with real processes under a transactional consume-transform-produce workload: three
// nodes; an idempotent producer feeds the input topic, one kafkajs processor turns each input batch
// into output records and its offsets in one transaction, and a read_committed consumer polls the
// output. A nemesis kill -9s, in turn, the transaction coordinator of the processor's
// transactional id (the leader of its __transaction_state partition) and partition leaders of the
// output and input topics, restarting each. Afterwards the output is read whole with its markers
// and the history checked: no aborted reads, no torn transactions, no duplicates, no lost
// committed writes, offsets committed exactly where the output says processing got.
import { afterAll, describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/common/java-hash.js';
import { sleep, startCluster, stopAll, waitFor } from '../helpers/node-process.js';
import { checkTransactions } from './history.js';
import { TRANSACTIONAL_ID, TransactionalWorkload } from './txn-workload.js';
import { createTopic, leaderOf, metadataOf } from './workload.js';

const PARTITIONS = 3;
const TXN_STATE_PARTITIONS = 50;
const KILLS = 4;

afterAll(async () => {
  await stopAll();
});

describe('chaos: kill -9 under a transactional workload', () => {
  it('keeps consume-transform-produce exactly-once while the coordinator and partition leaders die', async () => {
    const nodes = await startCluster(3);
    await createTopic(nodes[0]!, 'chaos-in', PARTITIONS);
    await createTopic(nodes[0]!, 'chaos-out', PARTITIONS);
    const workload = new TransactionalWorkload(nodes, 'chaos-in', 'chaos-out', PARTITIONS, 'chaos-ctp-group');
    await workload.startInput(150);
    workload.startProcessor();
    await workload.startReader();
    // The processor has found its coordinator (__transaction_state exists) before the first kill.
    await waitFor(
      'a first committed transaction',
      () => Promise.resolve(workload.transactions.some((t) => t.outcome === 'committed')),
      60_000,
    );
    await sleep(2_000);

    const txnStatePartition = partitionForKey(TRANSACTIONAL_ID, TXN_STATE_PARTITIONS);
    const victims: string[] = [];
    for (let round = 0; round < KILLS; round++) {
      const target =
        round % 2 === 0
          ? { what: 'transaction coordinator', ...(await leaderOf(nodes, '__transaction_state', txnStatePartition)) }
          : {
              what: `leader of ${round === 1 ? 'chaos-out' : 'chaos-in'}-0`,
              ...(await leaderOf(nodes, round === 1 ? 'chaos-out' : 'chaos-in', 0)),
            };
      const node = nodes.find((n) => n.nodeId === target.leader);
      expect(node, `round ${round}: no node ${target.leader} leads the ${target.what}`).toBeDefined();
      victims.push(`${target.what} (node ${target.leader})`);
      const committedBefore = workload.transactions.filter((t) => t.outcome === 'committed').length;
      await node!.kill();
      await sleep(1_500);
      await node!.start();
      // Progress resumes: a transaction commits after the restart.
      await waitFor(
        `round ${round}: transactions to commit again`,
        () => Promise.resolve(workload.transactions.filter((t) => t.outcome === 'committed').length > committedBefore),
        30_000,
      );
      await sleep(2_000);
    }

    await workload.stopInputs();
    // Let the processor catch up with the whole input, then the reader with the output.
    await sleep(1_000);
    const inputLog = await workload.readLog('chaos-in');
    const inputEnds = new Map([...inputLog].map(([p, records]) => [p, (records.at(-1)?.offset ?? -1) + 1]));
    await waitFor(
      'the processor to commit offsets up to the end of the input',
      async () => {
        const committed = await workload.committedOffsets();
        return [...inputEnds].every(([p, end]) => committed.get(p) === end);
      },
      60_000,
      500,
    ).catch(() => undefined);
    const committedOffsets = await workload.committedOffsets();
    const outputLog = await workload.readLog('chaos-out');
    const committedOutput = [...outputLog.values()].flat().filter((r) => 'value' in r).length;
    for (let i = 0; i < 100 && workload.polledValues() < committedOutput; i++) await sleep(100);
    await workload.stopAll();
    const metadata = await metadataOf(nodes);

    const result = checkTransactions({
      inputAcks: workload.inputAcks,
      transactions: workload.transactions,
      reader: workload.reader,
      outputLog,
      inputEnds,
      committedOffsets,
      separator: '|',
    });
    const outcomes = { committed: 0, aborted: 0, unknown: 0 };
    for (const t of workload.transactions) outcomes[t.outcome]++;
    console.log(
      `chaos (transactions): ${workload.inputAcks.length} inputs acknowledged, transactions ${JSON.stringify(outcomes)}, ` +
        `${workload.restarts} processor restarts, output ${result.committedRecords} committed / ${result.abortedRecords} aborted records; ` +
        `killed: ${victims.join(', ')}; controller ${metadata.controllerId}; anomalies: ${JSON.stringify(result.counts)}`,
    );
    for (const anomaly of result.anomalies.slice(0, 10)) console.log(`  ${anomaly.kind}: ${anomaly.detail}`);
    expect(workload.inputAcks.length).toBeGreaterThan(500);
    expect(outcomes.committed).toBeGreaterThan(50);
    expect(result.anomalies).toEqual([]);
  }, 240_000);
});
