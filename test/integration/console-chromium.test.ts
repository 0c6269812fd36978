// The web console in a real headless Chromium (Debian's package, driven by playwright-core over
// CDP; nothing downloads a browser) against a real node process. The test works the page as a
// person would: it reads the cluster, creates a topic through the form and its confirmation,
// sees the high watermarks and bytes of records kafkajs produced, a consumer group's lag, seeks
// the group's offsets (cancelled once, then confirmed) and deletes the topic, and checks each
// action with kafkajs as well as on the page. On a node whose listener takes only SASL clients
// the console asks for a SCRAM login and its API refuses requests without the session cookie.
// Screenshots go to test-output/console/ (BROOK_TEST_OUTPUT to move it).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type NodeProcess, startSingleNode, stopAll, waitFor } from '../helpers/node-process.js';
import { requireTool, toolAvailable } from '../helpers/tools.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = requireTool('chromium', toolAvailable(CHROMIUM, ['--version']));
const OUTPUT_DIR = resolve(process.env.BROOK_TEST_OUTPUT ?? 'test-output', 'console');
/** The page polls its API this often (?pollMs=), so changes show within a second. */
const POLL_MS = 300;
const TOPIC = 'console-orders';
const GROUP = 'console-group';

let browser: Browser;

beforeAll(async () => {
  if (!haveChromium) return;
  mkdirSync(OUTPUT_DIR, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopAll();
});

/** What the row reader uses of the page's elements (the tests compile without the DOM's types). */
interface RowElement {
  querySelectorAll(selector: string): Iterable<{ textContent: string | null }>;
}

/** The text of the cells of the rows `selector` finds (tr elements), row by row. */
async function cells(page: Page, selector: string): Promise<string[][]> {
  return page
    .locator(selector)
    .evaluateAll((rows: RowElement[]) =>
      rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
}

interface ApiError {
  error: string;
  message?: string;
}

/** Waits until `selector`'s rows read as `expected` (the page polls, so it may take a poll or two). */
async function rowsBecome(page: Page, selector: string, expected: string[][]): Promise<void> {
  await expect.poll(() => cells(page, selector), { timeout: 15_000, interval: 100 }).toEqual(expected);
}

describe.runIf(haveChromium)('web console in headless Chromium', () => {
  let node: NodeProcess;
  let kafka: Kafka;
  let page: Page;
  /** Script errors and console errors (a CSP violation among them) on the page. */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    node = await startSingleNode();
    kafka = new Kafka({ clientId: 'console-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
    page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(`http://127.0.0.1:${node.httpPort}/?pollMs=${POLL_MS}`);
  }, 60_000);

  it('shows the cluster: brokers, controller, Raft term and commit index', async () => {
    await expect.poll(() => page.locator('[data-fact="Brokers"]').textContent()).toBe('1 live, 0 fenced');
    expect(await page.locator('[data-fact="Controller"]').textContent()).toBe('broker 1');
    expect(Number(await page.locator('[data-fact="Raft term"]').textContent())).toBeGreaterThanOrEqual(1);
    expect(Number(await page.locator('[data-fact="Commit index"]').textContent())).toBeGreaterThan(0);
    await rowsBecome(page, '#brokers tbody tr', [['1', node.bootstrap, 'live', 'controller']]);
    // No login on a PLAINTEXT listener.
    expect(await page.locator('#login').isHidden()).toBe(true);
  });

  it('creates a topic through the form, after confirmation', async () => {
    await page.fill('#create-topic input[name=name]', TOPIC);
    await page.fill('#create-topic input[name=partitions]', '3');
    await page.fill('#create-topic input[name=configs]', 'retention.ms=3600000');
    await page.click('#create-topic button[type=submit]');
    await expect.poll(() => page.locator('#confirm').isVisible()).toBe(true);
    expect(await page.locator('#confirm-body').textContent()).toContain(`Create topic ${TOPIC} with 3 partition(s)`);
    await page.click('#confirm-ok');
    const topic = page.locator(`[data-topic="${TOPIC}"]`);
    await rowsBecome(page, `[data-topic="${TOPIC}"] table.partitions tbody tr`, [
      ['0', '1', '1', '1', '0', '0', '0', '0 B'],
      ['1', '1', '1', '1', '0', '0', '0', '0 B'],
      ['2', '1', '1', '1', '0', '0', '0', '0 B'],
    ]);
    expect(await topic.locator('.summary').textContent()).toContain('3 partition(s) · W=1 R=1');
    await topic.locator('summary').click();
    const configs = await cells(page, `[data-topic="${TOPIC}"] table.configs tbody tr`);
    expect(configs).toContainEqual(['retention.ms', '3600000', 'topic']);
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).toContain(TOPIC);
    await admin.disconnect();

    // Creating it again: the cluster's answer, by its Kafka name.
    await page.fill('#create-topic input[name=name]', TOPIC);
    await page.click('#create-topic button[type=submit]');
    await page.click('#confirm-ok');
    await expect.poll(() => page.locator('#toast').textContent()).toContain('TOPIC_ALREADY_EXISTS');
  });

  it("shows produced records' high watermarks, log sizes and bytes in", async () => {
    const producer = kafka.producer();
    await producer.connect();
    for (const partition of [0, 1, 2]) {
      await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: Array.from({ length: 10 }, (_, i) => ({ partition, value: `order-${partition}-${i}`.repeat(20) })),
      });
    }
    await producer.disconnect();
    await expect
      .poll(() => cells(page, `[data-topic="${TOPIC}"] table.partitions tbody tr`), { timeout: 15_000 })
      .toSatisfy((rows: string[][]) => rows.length === 3 && rows.every((r) => r[4] === '10' && r[5] === '10'));
    const rows = await cells(page, `[data-topic="${TOPIC}"] table.partitions tbody tr`);
    for (const row of rows) expect(row[7]).toMatch(/^\d+(\.\d)? (B|kB)$/);
    expect(rows.every((r) => r[7] !== '0 B')).toBe(true);
    // The chart has a line for the topic's bytes in that rose above zero.
    const line = page.locator(`#traffic-chart polyline[data-series="${TOPIC} in"]`);
    await expect
      .poll(async () => {
        const points = (await line.getAttribute('points')) ?? '';
        return points.split(' ').some((p) => Number(p.split(',')[1]) < 170);
      })
      .toBe(true);
    expect(await page.locator(`#traffic-legend li[data-series="${TOPIC} in"]`).count()).toBe(1);
  });

  it("shows a consumer group's state, members, assignment and lag per partition", async () => {
    const consumer = kafka.consumer({ groupId: GROUP });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => void seen++ });
    await waitFor('the consumer to read 30 records', async () => seen >= 30, 30_000);
    const group = page.locator(`[data-group="${GROUP}"]`);
    // While it runs: Stable, one member holding all three partitions.
    await expect.poll(() => group.locator('.state').textContent(), { timeout: 15_000 }).toBe('Stable');
    const members = await cells(page, `[data-group="${GROUP}"] table.members tbody tr`);
    expect(members).toHaveLength(1);
    expect(members[0]![3]).toBe(`${TOPIC}-0,${TOPIC}-1,${TOPIC}-2`);
    // A live group's offsets are not moved: the plan warns, and the confirmed seek is refused.
    await page.selectOption('#seek-form select[name=group]', GROUP);
    await page.selectOption('#seek-form select[name=to]', 'earliest');
    await page.click('#seek-form button[type=submit]');
    await expect.poll(() => page.locator('#confirm').isVisible()).toBe(true);
    expect(await page.locator('#confirm-body').textContent()).toContain('The group has members');
    await page.click('#confirm-ok');
    await expect.poll(() => page.locator('#toast').textContent()).toContain('NON_EMPTY_GROUP');
    await consumer.disconnect();

    // More records for partition 0 while nobody consumes: lag 5 there.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: TOPIC,
      acks: -1,
      messages: Array.from({ length: 5 }, () => ({ partition: 0, value: 'late' })),
    });
    await producer.disconnect();
    await rowsBecome(page, `[data-group="${GROUP}"] table.lag tbody tr`, [
      [TOPIC, '0', '10', '15', '5', '–'],
      [TOPIC, '1', '10', '10', '0', '–'],
      [TOPIC, '2', '10', '10', '0', '–'],
    ]);
    expect(await group.locator('.state').textContent()).toBe('Empty');
    expect(await group.locator('.total-lag').textContent()).toBe('lag 5');
    await expect.poll(() => page.locator(`#lag-legend li[data-series="${GROUP}"]`).textContent()).toBe(`${GROUP}: 5`);
    await page.screenshot({ path: join(OUTPUT_DIR, 'console.png'), fullPage: true });
  });

  it("seeks the group's offsets only once the plan is confirmed", async () => {
    const committed = async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const [offsets] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
        return offsets!.partitions.map((p) => [p.partition, Number(p.offset)]).sort((a, b) => a[0]! - b[0]!);
      } finally {
        await admin.disconnect();
      }
    };
    await page.selectOption('#seek-form select[name=group]', GROUP);
    await page.selectOption('#seek-form select[name=to]', 'offset');
    await page.fill('#seek-form input[name=value]', '3');
    await page.click('#seek-form button[type=submit]');
    await expect.poll(() => page.locator('#confirm').isVisible()).toBe(true);
    expect(await cells(page, '#confirm table.seek-plan tbody tr')).toEqual([
      [TOPIC, '0', '10', '3'],
      [TOPIC, '1', '10', '3'],
      [TOPIC, '2', '10', '3'],
    ]);
    await page.screenshot({ path: join(OUTPUT_DIR, 'console-seek-confirmation.png') });
    // Cancelled: nothing moves.
    await page.click('#confirm-cancel');
    expect(await committed()).toEqual([
      [0, 10],
      [1, 10],
      [2, 10],
    ]);

    await page.selectOption('#seek-form select[name=to]', 'earliest');
    await page.click('#seek-form button[type=submit]');
    await expect
      .poll(() => cells(page, '#confirm table.seek-plan tbody tr'))
      .toEqual([
        [TOPIC, '0', '10', '0'],
        [TOPIC, '1', '10', '0'],
        [TOPIC, '2', '10', '0'],
      ]);
    await page.click('#confirm-ok');
    await expect.poll(() => page.locator('#toast').textContent()).toBe(`Offsets of group ${GROUP} moved`);
    expect(await committed()).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    await rowsBecome(page, `[data-group="${GROUP}"] table.lag tbody tr`, [
      [TOPIC, '0', '0', '15', '15', '–'],
      [TOPIC, '1', '0', '10', '10', '–'],
      [TOPIC, '2', '0', '10', '10', '–'],
    ]);
    expect(await page.locator(`[data-group="${GROUP}"] .total-lag`).textContent()).toBe('lag 35');
  });

  it('deletes the topic after confirmation', async () => {
    await page.locator(`[data-topic="${TOPIC}"] button.delete-topic`).click();
    expect(await page.locator('#confirm-body').textContent()).toContain(`Delete topic ${TOPIC}?`);
    await page.click('#confirm-cancel');
    expect(await page.locator(`[data-topic="${TOPIC}"]`).count()).toBe(1);
    await page.locator(`[data-topic="${TOPIC}"] button.delete-topic`).click();
    await page.click('#confirm-ok');
    await expect.poll(() => page.locator(`[data-topic="${TOPIC}"]`).count(), { timeout: 15_000 }).toBe(0);
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(TOPIC);
    await admin.disconnect();
  });

  it('ran without a script error or a blocked resource', () => {
    // The refused calls (a second create, a seek of a live group) are answered 409, which the
    // browser reports as a failed resource; nothing else went wrong.
    expect(pageErrors.filter((e) => !e.includes('409'))).toEqual([]);
  });
});

describe('console API', () => {
  let api: string;
  let kafka: Kafka;

  beforeAll(async () => {
    const node = await startSingleNode();
    api = `http://127.0.0.1:${node.httpPort}/console/api`;
    kafka = new Kafka({ clientId: 'console-api-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
  }, 60_000);

  const post = (path: string, body: string, type = 'application/json') =>
    fetch(`${api}/${path}`, { method: 'POST', headers: { 'content-type': type }, body });

  it('serves the page from the package, with a CSP that allows only its own files', async () => {
    const page = await fetch(api.replace('/console/api', '/'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'self'; frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/console/console.js">');
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(api.replace('/console/api', '/console/console.js'))).status).toBe(200);
  });

  it('answers bad requests with a clear error and Kafka errors by name', async () => {
    expect((await post('topics', '{"name":"x"}', 'text/plain')).status).toBe(415);
    expect(await (await post('topics', '{not json')).json()).toEqual({ error: 'the body is not JSON' });
    const badPartitions = await post('topics', JSON.stringify({ name: 'x', partitions: 'many' }));
    expect(badPartitions.status).toBe(400);
    const partitionsError = (await badPartitions.json()) as ApiError;
    expect(partitionsError.error).toBe('INVALID_REQUEST');
    expect(partitionsError.message).toContain('partitions');
    const badName = await post('topics', JSON.stringify({ name: 'bad name!' }));
    expect(badName.status).toBe(409);
    expect(await badName.json()).toMatchObject({ error: 'INVALID_TOPIC_EXCEPTION' });
    const unknown = await post('topics/delete', JSON.stringify({ name: 'no-such-topic' }));
    expect(await unknown.json()).toMatchObject({ error: 'UNKNOWN_TOPIC_OR_PARTITION' });
    const seek = await post('groups/seek', JSON.stringify({ group: 'g', to: 'sideways' }));
    const seekError = (await seek.json()) as ApiError;
    expect(seekError.error).toBe('INVALID_REQUEST');
    expect(seekError.message).toContain('to:');
    expect((await fetch(`${api}/nothing-here`)).status).toBe(404);
    expect((await post('topics', 'x'.repeat(70 * 1024))).status).toBe(413);
  });
  it('plans a seek within the log and moves nothing without execute', async () => {
    expect((await post('topics', JSON.stringify({ name: 'planned', partitions: 1 }))).status).toBe(201);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'planned', acks: -1, messages: ['a', 'b', 'c', 'd'].map((value) => ({ value })) });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: 'planner', topic: 'planned', partitions: [{ partition: 0, offset: '1' }] });
    const plan = async (to: unknown) => {
      const answer = await post('groups/seek', JSON.stringify({ group: 'planner', to }));
      expect(answer.status).toBe(200);
      return ((await answer.json()) as { executed: boolean; plan: unknown[] }).plan;
    };
    // Past the end: the log end, as Kafka's --to-offset clamps; a time after every record: the end too.
    expect(await plan({ offset: 1000 })).toEqual([{ topic: 'planned', partition: 0, currentOffset: 1, newOffset: 4 }]);
    expect(await plan({ timestampMs: Date.now() + 3_600_000 })).toEqual([
      { topic: 'planned', partition: 0, currentOffset: 1, newOffset: 4 },
    ]);
    expect(await plan({ timestampMs: 0 })).toEqual([
      { topic: 'planned', partition: 0, currentOffset: 1, newOffset: 0 },
    ]);
    const [offsets] = await admin.fetchOffsets({ groupId: 'planner', topics: ['planned'] });
    expect(offsets!.partitions).toEqual([{ partition: 0, offset: '1', metadata: null }]);
    await admin.disconnect();
  });
});

describe.runIf(haveChromium)('web console behind SASL', () => {
  let node: NodeProcess;

  beforeAll(async () => {
    const port = await freePort();
    node = await startSingleNode({
      kafkaPort: port,
      listeners: `SASL_PLAINTEXT://127.0.0.1:${port}`,
      // A SASL listener authorizes every request: the console's user administers as a super user.
      env: { BROOK_BOOTSTRAP_USERS: 'admin:admin-secret', BROOK_SUPER_USERS: 'User:admin' },
    });
  }, 60_000);

  it('asks for a SCRAM login, and its API refuses requests without the session', async () => {
    const api = `http://127.0.0.1:${node.httpPort}/console/api`;
    for (const path of ['cluster', 'topics', 'groups', 'traffic']) {
      expect((await fetch(`${api}/${path}`)).status).toBe(401);
    }
    const forged = await fetch(`${api}/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'brook_console_session=forged' },
      body: JSON.stringify({ name: 'sneaky' }),
    });
    expect(forged.status).toBe(401);

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${node.httpPort}/?pollMs=${POLL_MS}`);
    await expect.poll(() => page.locator('#login').isVisible()).toBe(true);
    expect(await page.locator('#app').isHidden()).toBe(true);

    await page.fill('#login-form input[name=user]', 'admin');
    await page.fill('#login-form input[name=password]', 'wrong');
    await page.click('#login-form button[type=submit]');
    // A failed login is answered after a second (the console's brake on guessing): wait past it.
    await expect
      .poll(() => page.locator('#login-error').textContent(), { timeout: 10_000 })
      .toContain('wrong user name or password');
    expect(await context.cookies()).toEqual([]);

    await page.fill('#login-form input[name=password]', 'admin-secret');
    await page.click('#login-form button[type=submit]');
    await expect
      .poll(() => page.locator('[data-fact="Brokers"]').textContent(), { timeout: 10_000 })
      .toBe('1 live, 0 fenced');
    expect(await page.locator('#user').textContent()).toBe('logged in as admin');
    const cookie = (await context.cookies()).find((c) => c.name === 'brook_console_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const withSession = { headers: { cookie: `brook_console_session=${cookie!.value}` } };
    expect((await fetch(`${api}/cluster`, withSession)).status).toBe(200);

    // Acting as the user: a topic created through the page.
    await page.fill('#create-topic input[name=name]', 'secured-topic');
    await page.click('#create-topic button[type=submit]');
    await page.click('#confirm-ok');
    await expect.poll(() => page.locator('[data-topic="secured-topic"]').count(), { timeout: 15_000 }).toBe(1);
    await page.screenshot({ path: join(OUTPUT_DIR, 'console-sasl.png'), fullPage: true });

    await page.click('#logout');
    await expect.poll(() => page.locator('#login').isVisible()).toBe(true);
    expect((await fetch(`${api}/cluster`, withSession)).status).toBe(401);
    await context.close();
  });
});
