// README.md's settings table is generated from the registry: this fails when someone edits a row
// (or the table) without running `npm run docs:settings`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settingsTable, withSettingsTable } from '../../src/common/settings/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe("README's settings table", () => {
  it('is the one the registry generates (run npm run docs:settings)', () => {
    expect(readme).toBe(withSettingsTable(readme));
  });

  it('lists the main settings with their flags, variables, Kafka names and defaults', () => {
    const table = settingsTable();
    expect(table).toContain('| `--broker-session-timeout-ms` | `BROOK_BROKER_SESSION_TIMEOUT_MS` |');
    expect(table).toContain('| 1 s |');
    expect(table).toContain(
      '| `--segment-bytes` | `BROOK_SEGMENT_BYTES` | `log.segment.bytes` | `segment.bytes` | 1 GiB |',
    );
  });

  it('states the default session timeout where it describes fencing', () => {
    expect(readme).toContain('`--broker-session-timeout-ms`, 1 s by default');
    expect(readme).not.toMatch(/1\.5 s/);
  });
});
