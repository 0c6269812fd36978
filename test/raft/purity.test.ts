// The Raft core is pure and synchronous (docs/architecture.md, Raft): outside src/raft/driver*, nothing
// imports from Node, gRPC or LevelDB, and nothing uses timers, promises or Math.random.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../src/raft/', import.meta.url));
const coreFiles = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.startsWith('driver'));

const forbidden: Array<[string, RegExp]> = [
  ['a node: import', /from\s+['"]node:/],
  ['a Node built-in import', /from\s+['"](fs|net|path|os|crypto|events|timers|child_process|worker_threads)['"]/],
  ['gRPC', /@grpc\//],
  ['LevelDB', /(classic-level|['"]level['"])/],
  ['timers', /\b(setTimeout|setInterval|setImmediate|queueMicrotask)\b/],
  ['promises', /\b(Promise|async|await)\b/],
  ['Math.random', /Math\.random/],
  ['wall-clock time', /\b(Date\.now|performance\.now|new Date)\b/],
];

describe('the Raft core is pure', () => {
  it('has core files to check', () => {
    expect(coreFiles.length).toBeGreaterThan(5);
  });
  for (const file of coreFiles) {
    it(`${file} uses no I/O, timers, promises or ambient randomness`, () => {
      const code = readFileSync(dir + file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      for (const [what, re] of forbidden) expect(re.test(code), `${file} contains ${what}`).toBe(false);
    });
  }
});

// The driver's I/O is a parameter (driver-io.ts): the seeded simulation runs it on virtual time, an
// in-memory disk and a simulated network, which holds only if it reaches for nothing else.
describe('the Raft driver takes its I/O as parameters', () => {
  const ambient: Array<[string, RegExp]> = [
    ['timers', /\b(setTimeout|setInterval|setImmediate|queueMicrotask|process\.nextTick)\b/],
    ['wall-clock time', /\b(Date\.now|performance\.now|new Date)\b/],
    ['LevelDB or gRPC', /(classic-level|@grpc\/|driver-storage|driver-transport|GrpcServer)/],
    ['Math.random', /Math\.random/],
  ];
  it('driver.ts uses only its Clock, RaftStore and RaftTransport', () => {
    const code = readFileSync(dir + 'driver.ts', 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    for (const [what, re] of ambient) expect(re.test(code), `driver.ts contains ${what}`).toBe(false);
  });
});
