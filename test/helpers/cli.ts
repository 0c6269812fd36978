// Runs the built `brook` command (dist/cli/main.js) as a user's shell would: its own process, the
// given stdin, and its exit code, stdout and stderr kept apart. BROOK_BOOTSTRAP_SERVER is dropped
// from the environment so a test names its broker itself.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const CLI_ENTRY = resolve(import.meta.dirname, '../../dist/cli/main.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly stdin?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the process after this long (a consume that never ends fails the test, not the run). */
  readonly timeoutMs?: number;
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  readonly result: Promise<CliResult>;
}

/** Starts a brook command and returns at once (a consume to stop with SIGTERM, say). */
export function startBrook(args: readonly string[], options: CliOptions = {}): RunningCli {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (options.env?.BROOK_BOOTSTRAP_SERVER === undefined) delete env.BROOK_BOOTSTRAP_SERVER;
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on('error', () => undefined); // a command that exits before reading stdin
  child.stdin.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const result = new Promise<CliResult>((resolveResult, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveResult({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
  return { child, stdout: () => Buffer.concat(stdout).toString('utf8'), result };
}

export function brook(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startBrook(args, options).result;
}

/** The process's output for a failed expectation. */
export function shown(result: CliResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}
