// The web console of one node of a three-node cluster, in headless Chromium: it shows every
// broker, the partitions other nodes lead with their high watermarks (read from those leaders),
// a group whose coordinator may be another node with its lag, and, after kill -9 of a node, that
// broker fenced. A screenshot goes to test-output/console/.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NodeProcess, startCluster, stopAll, waitFor } from '../helpers/node-process.js';
import { requireTool, toolAvailable } from '../helpers/tools.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = requireTool('chromium', toolAvailable(CHROMIUM, ['--version']));
const OUTPUT_DIR = resolve(process.env.BROOK_TEST_OUTPUT ?? 'test-output', 'console');
const TOPIC = 'spread';
const GROUP = 'spread-readers';

interface RowElement {
  querySelectorAll(selector: string): Iterable<{ textContent: string | null }>;
}

function cells(page: Page, selector: string): Promise<string[][]> {
  return page
    .locator(selector)
    .evaluateAll((rows: RowElement[]) =>
      rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
}

describe.runIf(haveChromium)('web console of a three-node cluster', () => {
  let browser: Browser;
  let nodes: NodeProcess[];
  let page: Page;
  let kafka: Kafka;

  beforeAll(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    nodes = await startCluster(3, {
      extraArgs: ['--offsets-topic-partitions', '3', '--broker-session-timeout-ms', '3000'],
    });
    kafka = new Kafka({
      clientId: 'console-cluster',
      brokers: nodes.map((n) => n.bootstrap),
      logLevel: logLevel.NOTHING,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
    await page.goto(`http://127.0.0.1:${nodes[0]!.httpPort}/?pollMs=300`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stopAll();
  });

  it('shows every broker live and the controller', async () => {
    await expect
      .poll(() => page.locator('[data-fact="Brokers"]').textContent(), { timeout: 20_000 })
      .toBe('3 live, 0 fenced');
    const brokers = await cells(page, '#brokers tbody tr');
    expect(brokers.map((b) => b.slice(0, 3))).toEqual(nodes.map((n) => [String(n.nodeId), n.bootstrap, 'live']));
    expect(brokers.filter((b) => b[3] === 'controller')).toHaveLength(1);
  });

  it("shows partitions other nodes lead with their high watermarks, and a group's lag", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (const partition of [0, 1, 2]) {
      await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: Array.from({ length: 5 }, (_, i) => ({ partition, value: `v${i}` })),
      });
    }
    await producer.disconnect();
    const rows = `[data-topic="${TOPIC}"] table.partitions tbody tr`;
    await expect
      .poll(() => cells(page, rows), { timeout: 20_000 })
      .toSatisfy((r: string[][]) => r.length === 3 && r.every((row) => row[4] === '5' && row[5] === '5'));
    const leaders = (await cells(page, rows)).map((r) => Number(r[1]));
    // The topic's leaders are spread over the brokers: some are not the node serving the page.
    expect(leaders.some((id) => id !== nodes[0]!.nodeId)).toBe(true);
    for (const row of await cells(page, rows)) expect(row[2]!.split(',').sort()).toEqual(['1', '2', '3']);

    const consumer = kafka.consumer({ groupId: GROUP });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => void seen++ });
    await waitFor('the consumer to read 15 records', async () => seen >= 15, 30_000);
    await consumer.disconnect();
    await expect
      .poll(() => cells(page, `[data-group="${GROUP}"] table.lag tbody tr`), { timeout: 20_000 })
      .toEqual([
        [TOPIC, '0', '5', '5', '0', '–'],
        [TOPIC, '1', '5', '5', '0', '–'],
        [TOPIC, '2', '5', '5', '0', '–'],
      ]);
  });

  it('shows a killed broker fenced', async () => {
    const victim = nodes[2]!;
    await victim.kill();
    await expect
      .poll(() => page.locator('[data-fact="Brokers"]').textContent(), { timeout: 30_000 })
      .toBe('2 live, 1 fenced');
    expect(await page.locator(`#brokers tr[data-broker="${victim.nodeId}"] td.state-fenced`).textContent()).toBe(
      'fenced',
    );
    await page.screenshot({ path: join(OUTPUT_DIR, 'console-cluster.png'), fullPage: true });
  });
});
