#!/usr/bin/env node
// The install script (`npm ci` runs it): builds the page-cache addon (binding.gyp,
// native/page_cache.c) into build/Release/ with the node-gyp that npm bundles. Brook runs without
// the addon, only keeping every log byte in the page cache (src/storage/page-cache.ts), so a
// machine without a C compiler gets a warning rather than a failed install; with
// BROOK_REQUIRE_TOOLS=1 (CI) a failed build fails the install.
import { spawnSync } from 'node:child_process';

// npm names its bundled node-gyp in the environment of install scripts.
const gyp = process.env.npm_config_node_gyp;
const result = gyp
  ? spawnSync(process.execPath, [gyp, 'rebuild'], { stdio: 'inherit' })
  : spawnSync('node-gyp', ['rebuild'], { stdio: 'inherit' });
if (result.status !== 0) {
  const why = result.error ? result.error.message : `node-gyp exited ${result.status}`;
  if (process.env.BROOK_REQUIRE_TOOLS === '1') {
    console.error(`build-native: the page-cache addon did not build (${why})`);
    process.exit(1);
  }
  console.warn(
    `build-native: the page-cache addon did not build (${why}); Brook will run without it and leave log bytes in the page cache`,
  );
}
