// The replication core is pure (STYLE.md rule 1): no Node imports, timers, promises, randomness
// or clocks; and it imports nothing but itself and, through common's door, assertions and errors.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../src/replication/protocol/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

/** What the core may take from src/common (its assert.ts and errors.ts). */
const COMMON_ALLOWED = new Set([
  'assert',
  'unreachable',
  'AssertionError',
  'ErrorCode',
  'KafkaError',
  'ProtocolError',
  'ConfigError',
  'errorCodeOf',
  'errorName',
]);

const forbidden: Array<[string, RegExp]> = [
  ['a node: import', /from\s+['"]node:/],
  ['timers', /\b(setTimeout|setInterval|setImmediate|queueMicrotask)\b/],
  ['promises', /\b(Promise|async|await)\b/],
  ['Math.random', /Math\.random/],
  ['wall-clock time', /\b(Date\.now|performance\.now|new Date)\b/],
];

describe('the replication core is pure', () => {
  it('has files to check', () => expect(files.length).toBeGreaterThan(6));
  for (const file of files) {
    it(`${file} uses no I/O, timers, promises, randomness or clocks`, () => {
      const code = readFileSync(dir + file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      for (const [what, re] of forbidden) expect(re.test(code), `${file} contains ${what}`).toBe(false);
      for (const m of code.matchAll(/(?:import|export)\s+(?:type\s+)?([^;]*?)\s*from\s+['"]([^'"]+)['"]/g)) {
        const [, clause, spec] = m as unknown as [string, string, string];
        if (spec.startsWith('./')) continue;
        expect(spec, `${file} imports ${spec}`).toBe('../../common/index.js');
        const names = clause
          .replace(/[{}]/g, '')
          .split(',')
          .map((n) => n.trim().replace(/^type\s+/, ''))
          .filter((n) => n !== '');
        for (const name of names) expect(COMMON_ALLOWED.has(name), `${file} takes ${name} from common`).toBe(true);
      }
    });
  }
});
