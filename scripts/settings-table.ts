// Rewrites the README's table of main settings from the settings registry
// (`npm run docs:settings`); test/common/settings-readme.test.ts fails when README.md differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withSettingsTable } from '../src/common/settings/index.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readmePath, 'utf8');
const after = withSettingsTable(before);
if (after === before) {
  console.log('README.md: settings table already up to date');
} else {
  writeFileSync(readmePath, after);
  console.log('README.md: settings table rewritten');
}
