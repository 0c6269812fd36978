#!/usr/bin/env node
// `npm run cluster`: three Brook nodes on 127.0.0.1 — Kafka 9092/9192/9292, gRPC 9093/9193/9293,
// HTTP 9094/9194/9294 — with data under ./data/node-N. Ctrl-C (or SIGTERM) stops all three
// gracefully. Options: --nodes N (default 3), --voters V (default all N: nodes V+1..N are brokers
// beyond the Raft voters, following the metadata log as learners), --data-dir DIR (default ./data).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    voters: { type: 'string' },
    'data-dir': { type: 'string', default: './data' },
  },
});
const count = Number(values.nodes);
if (!Number.isInteger(count) || count < 1 || count > 9) {
  console.error('cluster: --nodes must be 1..9');
  process.exit(2);
}
const voters = Number(values.voters ?? count);
if (!Number.isInteger(voters) || voters < 1 || voters > count) {
  console.error(`cluster: --voters must be 1..${count}`);
  process.exit(2);
}
const ids = Array.from({ length: count }, (_, i) => i + 1);
const port = (id, offset) => 9092 + (id - 1) * 100 + offset;
const clusterNodes = ids
  .slice(0, voters)
  .map((id) => `${id}@127.0.0.1:${port(id, 1)}`)
  .join(',');

const children = ids.map((id) => {
  const dataDir = join(values['data-dir'], `node-${id}`);
  mkdirSync(dataDir, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      resolve('dist/node.js'),
      '--node-id',
      String(id),
      '--cluster-nodes',
      clusterNodes,
      '--data-dir',
      dataDir,
      '--kafka-port',
      String(port(id, 0)),
      '--grpc-port',
      String(port(id, 1)),
      '--http-port',
      String(port(id, 2)),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  child.on('exit', (code, signal) => console.error(`cluster: node ${id} exited (${signal ?? code})`));
  return child;
});

console.error(
  `cluster: ${count} nodes, ${voters} of them voters; bootstrap servers ${ids.map((id) => `127.0.0.1:${port(id, 0)}`).join(',')}`,
);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  console.error('cluster: stopping');
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(1);
  }, 15_000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
await Promise.all(children.map((child) => new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)))));
process.exit(0);
