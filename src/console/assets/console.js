// The Brook console's page: polls the node's console API (/console/api/) and draws the cluster,
// topics, consumer groups and two live SVG charts; its actions (create and delete a topic, seek a
// group's offsets) each ask for confirmation first. Plain JavaScript, no library: every value is
// put in the page as text, never as HTML.
const params = new URLSearchParams(location.search);
const POLL_MS = Math.max(250, Number(params.get('pollMs')) || 2000);
/** Points kept per chart series. */
const HISTORY = 60;
const COLORS = ['#2a7ab0', '#d97706', '#059669', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#dc2626'];

const $ = (selector) => document.querySelector(selector);

/** An element with attributes and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const node = ['svg', 'polyline', 'line', 'text', 'g', 'rect'].includes(tag)
    ? document.createElementNS('http://www.w3.org/2000/svg', tag)
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return node;
}

function table(headers, rows, attrs = {}) {
  return el(
    'table',
    attrs,
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headers.map((h) => el('th', {}, h)),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((cells) =>
        el(
          'tr',
          {},
          cells.map((c) => (c instanceof Node ? el('td', {}, c) : el('td', {}, show(c)))),
        ),
      ),
    ),
  );
}

const show = (value) => (value === null || value === undefined ? '–' : Array.isArray(value) ? value.join(',') : value);

function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return '–';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

class ApiError extends Error {
  constructor(status, error, message) {
    super(message ? `${error}: ${message}` : error);
    this.status = status;
  }
}

async function api(path, body) {
  const init =
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const response = await fetch(`/console/api/${path}`, init);
  const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (response.status === 401 && path !== 'login') showLogin();
  if (!response.ok) throw new ApiError(response.status, answer.error ?? `HTTP ${response.status}`, answer.message);
  return answer;
}

function toast(text, isError = false) {
  const node = $('#toast');
  node.textContent = text;
  node.className = isError ? 'error' : '';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (node.textContent = ''), 8000);
}

/** Shows the confirmation dialog; resolves true when the user confirms. */
function confirmAction(title, body, okLabel) {
  const dialog = $('#confirm');
  $('#confirm-title').textContent = title;
  $('#confirm-body').replaceChildren(body);
  $('#confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) =>
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }),
  );
}

// ---------------------------------------------------------------- login

function showLogin() {
  $('#login').hidden = false;
  $('#app').hidden = true;
  $('#logout').hidden = true;
  $('#user').textContent = '';
  stopPolling();
}

function showApp(user) {
  $('#login').hidden = true;
  $('#app').hidden = false;
  $('#logout').hidden = user === null;
  $('#user').textContent = user === null ? '' : `logged in as ${user}`;
  startPolling();
}

$('#login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  $('#login-error').textContent = '';
  try {
    const { user } = await api('login', { user: form.get('user'), password: form.get('password') });
    event.target.reset();
    showApp(user);
  } catch (err) {
    $('#login-error').textContent = err.message;
  }
});

$('#logout').addEventListener('click', async () => {
  await api('logout', {}).catch(() => undefined);
  showLogin();
});

// ---------------------------------------------------------------- charts

/** Series by name: { points: [{ t, v }] }. */
const trafficSeries = new Map();
const lagSeries = new Map();
let lastTraffic = null;

function addPoint(series, name, t, v) {
  let entry = series.get(name);
  if (!entry) series.set(name, (entry = { points: [] }));
  entry.points.push({ t, v });
  if (entry.points.length > HISTORY) entry.points.shift();
}

function lineChart(svg, legend, series, format) {
  const width = 600;
  const height = 200;
  const left = 50;
  const bottom = 20;
  const all = [...series.values()].flatMap((s) => s.points);
  const tMax = Math.max(...all.map((p) => p.t), Date.now());
  const tMin = tMax - HISTORY * POLL_MS;
  const vMax = Math.max(1, ...all.map((p) => p.v));
  const x = (t) => left + ((t - tMin) / (tMax - tMin)) * (width - left - 5);
  const y = (v) => height - bottom - (v / vMax) * (height - bottom - 10);
  const children = [
    el('line', { class: 'axis', x1: left, y1: height - bottom, x2: width, y2: height - bottom }),
    el('line', { class: 'axis', x1: left, y1: 5, x2: left, y2: height - bottom }),
    el('text', { x: 2, y: 14 }, format(vMax)),
    el('text', { x: 2, y: height - bottom }, format(0)),
    el('text', { x: left, y: height - 5 }, `${Math.round((HISTORY * POLL_MS) / 1000)} s`),
    el('text', { x: width - 30, y: height - 5 }, 'now'),
  ];
  const items = [];
  [...series.entries()].forEach(([name, s], i) => {
    const color = COLORS[i % COLORS.length];
    const points = s.points.filter((p) => p.t >= tMin);
    children.push(
      el('polyline', {
        fill: 'none',
        stroke: color,
        'stroke-width': 2,
        'data-series': name,
        points: points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' '),
      }),
    );
    const latest = s.points.at(-1)?.v ?? 0;
    items.push(
      el(
        'li',
        { 'data-series': name },
        // An SVG swatch: the page's CSP allows no inline style.
        el(
          'svg',
          { class: 'swatch', viewBox: '0 0 10 10', width: 10, height: 10 },
          el('rect', { width: 10, height: 10, fill: color }),
        ),
        `${name}: ${format(latest)}`,
      ),
    );
  });
  svg.replaceChildren(...children);
  legend.replaceChildren(...items);
}

function recordTraffic(traffic) {
  if (lastTraffic !== null) {
    const seconds = Math.max(0.001, (traffic.atMs - lastTraffic.atMs) / 1000);
    for (const [topic, totals] of Object.entries(traffic.topics)) {
      const before = lastTraffic.topics[topic] ?? { bytesIn: 0, bytesOut: 0 };
      addPoint(trafficSeries, `${topic} in`, traffic.atMs, Math.max(0, totals.bytesIn - before.bytesIn) / seconds);
      addPoint(trafficSeries, `${topic} out`, traffic.atMs, Math.max(0, totals.bytesOut - before.bytesOut) / seconds);
    }
  }
  for (const name of [...trafficSeries.keys()]) {
    if (!(name.replace(/ (in|out)$/, '') in traffic.topics)) trafficSeries.delete(name);
  }
  lastTraffic = traffic;
  lineChart($('#traffic-chart'), $('#traffic-legend'), trafficSeries, (v) => `${formatBytes(v)}/s`);
}

function recordLag(groups, atMs) {
  for (const g of groups) addPoint(lagSeries, g.groupId, atMs, g.totalLag);
  const names = new Set(groups.map((g) => g.groupId));
  for (const name of [...lagSeries.keys()]) if (!names.has(name)) lagSeries.delete(name);
  lineChart($('#lag-chart'), $('#lag-legend'), lagSeries, (v) => String(Math.round(v)));
}

// ---------------------------------------------------------------- views

function renderCluster(cluster) {
  $('#cluster-id').textContent = `cluster ${cluster.clusterId} · node ${cluster.nodeId}`;
  const live = cluster.brokers.filter((b) => b.state === 'live').length;
  const facts = [
    ['Brokers', `${live} live, ${cluster.brokers.length - live} fenced`],
    ['Controller', cluster.controllerId < 0 ? 'none' : `broker ${cluster.controllerId}`],
    ['Raft term', cluster.raft.term],
    ['Commit index', cluster.raft.commitIndex],
    ['Applied index', cluster.raft.appliedIndex],
    [`Node ${cluster.nodeId} is`, cluster.raft.role],
  ];
  $('#raft').replaceChildren(
    ...facts.flatMap(([name, value]) => [el('dt', {}, name), el('dd', { 'data-fact': name }, String(value))]),
  );
  $('#brokers tbody').replaceChildren(
    ...cluster.brokers.map((b) =>
      el(
        'tr',
        { 'data-broker': b.nodeId },
        el('td', {}, String(b.nodeId)),
        el('td', {}, b.host === null ? '–' : `${b.host}:${b.port}`),
        el('td', { class: `state-${b.state}` }, b.state),
        el('td', {}, b.controller ? 'controller' : ''),
      ),
    ),
  );
}

const openDetails = new Set();

function detailsFor(key, summary, content) {
  const node = el('details', { open: openDetails.has(key) }, el('summary', {}, summary), content);
  node.addEventListener('toggle', () => (node.open ? openDetails.add(key) : openDetails.delete(key)));
  return node;
}

function renderTopics(topics) {
  const list = [...topics].sort((a, b) => a.name.localeCompare(b.name));
  $('#topic-list').replaceChildren(
    list.length === 0 ? el('p', {}, 'No topics yet.') : '',
    ...list.map((t) => {
      const under = t.partitions.filter(
        (p) => p.leader < 0 || (t.writeQuorum !== null && p.isr.length < t.writeQuorum),
      );
      return el(
        'div',
        { class: 'topic', 'data-topic': t.name },
        el(
          'h3',
          {},
          t.name,
          ' ',
          el('button', { type: 'button', class: 'delete-topic', onclick: () => deleteTopic(t.name) }, 'Delete…'),
        ),
        el(
          'p',
          { class: 'summary' },
          `${t.partitions.length} partition(s) · W=${show(t.writeQuorum)} R=${show(t.readQuorum)} · `,
          `size ${formatBytes(t.sizeBytes)}`,
          under.length > 0 ? el('span', { class: 'under' }, ` · ${under.length} under write quorum`) : '',
        ),
        table(
          ['Partition', 'Leader', 'Replicas', 'In sync', 'High watermark', 'Log end', 'Log start', 'Size'],
          t.partitions.map((p) => [
            p.partition,
            p.leader < 0 ? 'none' : p.leader,
            p.replicas,
            p.isr,
            p.highWatermark,
            p.logEndOffset,
            p.logStartOffset,
            formatBytes(p.sizeBytes),
          ]),
          { class: 'partitions' },
        ),
        detailsFor(
          `configs:${t.name}`,
          'Configs',
          table(
            ['Name', 'Value', 'Source'],
            t.configs.map((c) => [c.name, c.sensitive ? '(hidden)' : c.value, c.source]),
            { class: 'configs' },
          ),
        ),
      );
    }),
  );
}

function renderGroups(groups) {
  const names = groups.map((g) => g.groupId).sort();
  const select = $('#seek-group');
  if ([...select.options].map((o) => o.value).join('\n') !== names.join('\n')) {
    const chosen = select.value;
    select.replaceChildren(...names.map((n) => el('option', { value: n }, n)));
    if (names.includes(chosen)) select.value = chosen;
  }
  $('#group-list').replaceChildren(
    groups.length === 0 ? el('p', {}, 'No consumer groups yet.') : '',
    ...groups.map((g) =>
      el(
        'div',
        { class: 'group', 'data-group': g.groupId },
        el('h3', {}, g.groupId),
        el(
          'p',
          { class: 'summary' },
          el('span', { class: `state state-${g.state}` }, g.state),
          ` · ${g.members.length} member(s) · coordinator ${g.coordinatorId} · `,
          el('span', { class: 'total-lag' }, `lag ${g.totalLag}`),
          g.error !== null ? el('span', { class: 'error' }, ` · ${g.error}`) : '',
        ),
        g.members.length === 0
          ? ''
          : table(
              ['Member', 'Client', 'Host', 'Assignment'],
              g.members.map((m) => [m.memberId, m.clientId, m.clientHost, m.assignment]),
              { class: 'members' },
            ),
        table(
          ['Topic', 'Partition', 'Committed', 'Log end', 'Lag', 'Member'],
          g.partitions.map((p) => [p.topic, p.partition, p.committedOffset, p.logEndOffset, p.lag, p.memberId]),
          { class: 'lag' },
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------- actions

function parseConfigs(text) {
  const configs = {};
  for (const pair of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`config '${pair}' is not name=value`);
    configs[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return configs;
}

$('#create-topic').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  let topic;
  try {
    topic = {
      name: String(form.get('name')).trim(),
      partitions: form.get('partitions') === '' ? -1 : Number(form.get('partitions')),
      replicationFactor: form.get('replicationFactor') === '' ? -1 : Number(form.get('replicationFactor')),
      configs: parseConfigs(String(form.get('configs'))),
    };
  } catch (err) {
    return toast(err.message, true);
  }
  const configText =
    Object.entries(topic.configs)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || 'none';
  const body = el(
    'p',
    {},
    `Create topic ${topic.name} with ${topic.partitions < 0 ? 'the default number of' : topic.partitions} partition(s), `,
    `replication factor ${topic.replicationFactor < 0 ? 'default' : topic.replicationFactor}, configs: ${configText}?`,
  );
  if (!(await confirmAction('Create topic', body, 'Create'))) return;
  try {
    await api('topics', topic);
    toast(`Topic ${topic.name} created`);
    event.target.reset();
    await refresh();
  } catch (err) {
    toast(`Topic ${topic.name} not created: ${err.message}`, true);
  }
});

async function deleteTopic(name) {
  const body = el('p', {}, `Delete topic ${name}? Its records are removed from every broker; this cannot be undone.`);
  if (!(await confirmAction('Delete topic', body, 'Delete'))) return;
  try {
    await api('topics/delete', { name });
    toast(`Topic ${name} deleted`);
    await refresh();
  } catch (err) {
    toast(`Topic ${name} not deleted: ${err.message}`, true);
  }
}

function seekTarget(kind, value) {
  if (kind === 'earliest' || kind === 'latest') return kind;
  if (value === '') throw new Error(`give the ${kind}`);
  if (kind === 'offset') return { offset: Number(value) };
  const timestampMs = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(timestampMs)) throw new Error(`'${value}' is not a time`);
  return { timestampMs };
}

$('#seek-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  let request;
  try {
    const topic = String(form.get('topic')).trim();
    request = {
      group: String(form.get('group')),
      topic: topic === '' ? null : topic,
      to: seekTarget(String(form.get('to')), String(form.get('value')).trim()),
    };
    if (request.group === '') throw new Error('choose a group');
  } catch (err) {
    return toast(err.message, true);
  }
  let plan;
  try {
    plan = await api('groups/seek', { ...request, execute: false });
  } catch (err) {
    return toast(`Cannot seek ${request.group}: ${err.message}`, true);
  }
  const body = el(
    'div',
    {},
    el('p', {}, `Move the committed offsets of group ${plan.group} (${plan.state}):`),
    table(
      ['Topic', 'Partition', 'Now', 'After'],
      plan.plan.map((r) => [r.topic, r.partition, r.currentOffset, r.newOffset]),
      { class: 'seek-plan' },
    ),
    plan.state === 'Empty' || plan.state === 'Dead'
      ? ''
      : el('p', { class: 'error' }, 'The group has members: the coordinator refuses until its consumers stop.'),
  );
  if (!(await confirmAction('Seek group offsets', body, 'Seek'))) return;
  try {
    await api('groups/seek', { ...request, execute: true });
    toast(`Offsets of group ${plan.group} moved`);
    await refresh();
  } catch (err) {
    toast(`Offsets of group ${plan.group} not moved: ${err.message}`, true);
  }
});

$('#show-internal').addEventListener('change', () => refresh());

// ---------------------------------------------------------------- polling

/**
 * Each view is polled on its own, so a slow one (a group whose coordinator just died) does not
 * hold the others back.
 */
const VIEWS = {
  cluster: () => api('cluster').then(renderCluster),
  topics: () => api(`topics?internal=${$('#show-internal').checked}`).then((t) => renderTopics(t.topics)),
  groups: () =>
    api('groups').then((g) => {
      renderGroups(g.groups);
      recordLag(g.groups, Date.now());
    }),
  traffic: () => api('traffic').then(recordTraffic),
};
const failures = new Map();
let polling = false;
const timers = new Map();

function showStatus() {
  const status = $('#status');
  if (failures.size === 0) {
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    status.className = '';
  } else {
    status.textContent = [...failures].map(([view, message]) => `${view} not updated: ${message}`).join('; ');
    status.className = 'error';
  }
}

async function pollView(name) {
  if (!polling) return;
  try {
    await VIEWS[name]();
    failures.delete(name);
  } catch (err) {
    failures.set(name, err.message);
  }
  showStatus();
  if (polling)
    timers.set(
      name,
      setTimeout(() => pollView(name), POLL_MS),
    );
}

/** Every view now, after an action. */
async function refresh() {
  await Promise.allSettled(Object.values(VIEWS).map((view) => view()));
}

function startPolling() {
  if (polling) return;
  polling = true;
  for (const name of Object.keys(VIEWS)) void pollView(name);
}

function stopPolling() {
  polling = false;
  for (const timer of timers.values()) clearTimeout(timer);
  timers.clear();
}

api('session').then(
  (session) => (session.authRequired && session.user === null ? showLogin() : showApp(session.user)),
  (err) => toast(err.message, true),
);
