// Docker for the container suites: whether a daemon answers (skip with a printed reason when not,
// fail under BROOK_REQUIRE_TOOLS=1 as for every external tool), and the Brook image built from
// this checkout's dist/ by scripts/docker-image.sh (quick when the image is already current).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');
const DAEMON_PROBE_TIMEOUT_MS = 15_000;
const IMAGE_BUILD_TIMEOUT_MS = 300_000;

/**
 * The image the suites run: brook:local, built from this checkout by scripts/docker-image.sh, or
 * any image named by BROOK_IMAGE, which is then used as it is (e.g. an older build to compare).
 */
export const BROOK_IMAGE = process.env.BROOK_IMAGE ?? 'brook:local';
const IMAGE_GIVEN = process.env.BROOK_IMAGE !== undefined;

/** True when `docker version` reaches a daemon (the client alone is not enough). */
export function dockerDaemonAnswers(): boolean {
  const probe = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    timeout: DAEMON_PROBE_TIMEOUT_MS,
    encoding: 'utf8',
  });
  return probe.status === 0 && probe.stdout.trim().length > 0;
}

/**
 * True when the container suites should run; prints why they are skipped otherwise. Under
 * BROOK_REQUIRE_TOOLS=1 (CI) a missing daemon fails instead, as every missing tool does.
 */
export function requireDocker(): boolean {
  if (dockerDaemonAnswers()) return true;
  const why = 'no Docker daemon answers `docker version`';
  if (process.env.BROOK_REQUIRE_TOOLS === '1') throw new Error(`${why} (BROOK_REQUIRE_TOOLS=1 requires one)`);
  console.warn(`SKIPPED: ${why}; install and start Docker (see .ci/run) to run the container suites`);
  return false;
}

/**
 * Builds (or confirms) brook:local from dist/ as it is: `npm test` has just compiled it, and
 * compiling here could race the build of another suite. An image named by BROOK_IMAGE must exist.
 */
export function ensureBrookImage(): void {
  if (IMAGE_GIVEN) {
    const inspect = spawnSync('docker', ['image', 'inspect', BROOK_IMAGE], {
      stdio: 'ignore',
      timeout: DAEMON_PROBE_TIMEOUT_MS,
    });
    if (inspect.status !== 0) throw new Error(`BROOK_IMAGE=${BROOK_IMAGE} is not an image the Docker daemon has`);
    return;
  }
  const build = spawnSync('bash', [resolve(REPO, 'scripts/docker-image.sh'), '--no-compile'], {
    cwd: REPO,
    timeout: IMAGE_BUILD_TIMEOUT_MS,
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    throw new Error(
      `scripts/docker-image.sh failed (${build.status ?? build.signal}):\n${build.stderr}${build.stdout}`,
    );
  }
}
