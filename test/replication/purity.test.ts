// The replication core is pure (STYLE.md rule 1): no Node imports, timers, promises, randomness
// or clocks; and it imports nothing but itself and src/common's assert and errors.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../src/replication/protocol/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

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
      for (const m of code.matchAll(/from\s+['"]([^'"]+)['"]/g)) {
        const spec = m[1] as string;
        expect(
          spec.startsWith('./') || spec === '../../common/assert.js' || spec === '../../common/errors.js',
          `${file} imports ${spec}`,
        ).toBe(true);
      }
    });
  }
});
