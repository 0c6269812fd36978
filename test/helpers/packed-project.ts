// A separate Node.js project that depends on Brook as users get it: the tarball `npm pack` makes
// of this checkout, installed with `npm ci --offline`. The project's lockfile is written from this
// checkout's own (each package at the version and integrity `npm ci` installed here), so npm finds
// every tarball in its cache and needs no registry; the packed Brook is locked by its own
// integrity. What npm runs at install (Brook's install script building the page-cache addon) runs.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

interface LockEntry {
  readonly version?: string;
  readonly integrity?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly dev?: boolean;
  readonly [key: string]: unknown;
}

/** The lock entry a package at `from` gets for `name`, by Node's lookup (nearest node_modules up). */
function resolveIn(packages: Readonly<Record<string, LockEntry>>, from: string, name: string): string | null {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return null;
    const at = base.lastIndexOf('/node_modules/');
    base = at < 0 ? '' : base.slice(0, at);
  }
}

/** This checkout's lock entries that `roots` need, transitively, with their paths kept. */
function closure(packages: Readonly<Record<string, LockEntry>>, roots: readonly string[]): Map<string, LockEntry> {
  const out = new Map<string, LockEntry>();
  const visit = (from: string, name: string, optional: boolean) => {
    const path = resolveIn(packages, from, name);
    if (path === null) {
      if (optional) return;
      throw new Error(`package-lock.json has no ${name} for ${from || 'the root'}`);
    }
    if (out.has(path)) return;
    const { dev: _dev, devOptional: _devOptional, ...entry } = packages[path]!;
    out.set(path, entry);
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(path, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(path, dep, true);
  };
  for (const name of roots) visit('', name, false);
  return out;
}

export interface PackedProject {
  readonly dir: string;
  readonly tarball: string;
}

/**
 * Packs this checkout (dist/ must be built), makes a project in a new temporary directory with
 * `dependencies` (name → range, each also a dependency of this checkout) beside Brook, and
 * installs it offline. The caller removes `dir`.
 */
export function packedProject(dependencies: Readonly<Record<string, string>>): PackedProject {
  const dir = mkdtempSync(join(tmpdir(), 'brook-packed-'));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack made no tarball');
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const wanted = { brook: `file:${tarball}`, ...dependencies };
  const entries = closure(lock.packages, [...Object.keys(manifest.dependencies), ...Object.keys(dependencies)]);
  const integrity = `sha512-${createHash('sha512')
    .update(readFileSync(join(dir, tarball)))
    .digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'brook-packed-test', dependencies: wanted },
    'node_modules/brook': {
      version: manifest.version,
      resolved: `file:${tarball}`,
      integrity,
      hasInstallScript: true,
      license: 'Apache-2.0',
      dependencies: manifest.dependencies,
      bin: { brook: 'dist/cli/main.js' },
      engines: { node: '>=20' },
    },
    ...Object.fromEntries(entries),
  };
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'brook-packed-test', private: true, type: 'module', dependencies: wanted }, null, 2),
  );
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'brook-packed-test', lockfileVersion: 3, requires: true, packages }, null, 2),
  );
  execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  return { dir, tarball: join(dir, tarball) };
}
