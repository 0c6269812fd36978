// External tools some suites need (kcat, netcat). Without the tool a suite is skipped
// with a printed reason — except under BROOK_REQUIRE_TOOLS=1 (set by .ci/run), where a missing
// tool fails the run instead, so CI can never pass by skipping.
import { spawnSync } from 'node:child_process';

export function toolAvailable(command: string, args: readonly string[] = ['-V']): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.error === undefined;
}

/** True when the suite should run; prints why it is skipped otherwise. */
export function requireTool(name: string, available: boolean): boolean {
  if (available) return true;
  if (process.env.BROOK_REQUIRE_TOOLS === '1') {
    throw new Error(`${name} is required (BROOK_REQUIRE_TOOLS=1) but was not found`);
  }
  console.warn(`SKIPPED: ${name} is not installed; install it (see .ci/run) to run this suite`);
  return false;
}

export const kcatAvailable = toolAvailable('kcat');
/** netcat-openbsd's nc (the line-protocol suite needs its -N); `nc -h` answers without connecting. */
export const netcatAvailable = toolAvailable('nc', ['-h']);
