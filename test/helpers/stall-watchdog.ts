// A vitest reporter, in vitest's main process, that watches for a test file that neither finishes
// nor times out. The event-loop watchdog (event-loop-watchdog.ts) catches a test process whose
// loop stopped turning; this catches whatever else keeps a file from ending. When one file has run
// for STALL_REPORT_MS it prints the processes under vitest with their CPU, and at STALL_KILL_MS it
// kills the test process, so the run ends with the file failed and the rest of the suite run.
//
// A CI log is often read from its tail, and these reports come minutes before the end. So after the
// run's summary it prints them all again — its own and those the event-loop watchdogs kept in
// BROOK_WATCHDOG_DIR, a directory it makes for the run — with every file that began and never
// ended (a test process that died, whatever killed it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** No file runs this long (the longest take about 90 s): it is stuck. BROOK_STALL_* set them (its own test). */
const STALL_REPORT_MS = Number(process.env.BROOK_STALL_REPORT_MS ?? 8 * 60_000);
const STALL_KILL_MS = Number(process.env.BROOK_STALL_KILL_MS ?? 12 * 60_000);
const CHECK_EVERY_MS = Math.min(15_000, STALL_REPORT_MS / 4);

interface Proc {
  pid: number;
  ppid: number;
  cpu: string;
  seconds: string;
  args: string;
}

function processes(): Proc[] {
  try {
    const out = execFileSync('ps', ['-eo', 'pid=,ppid=,pcpu=,etimes=,args='], { encoding: 'utf8', timeout: 5_000 });
    return out
      .split('\n')
      .map((line) => /^(\d+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), cpu: m[3]!, seconds: m[4]!, args: m[5]! }));
  } catch {
    return [];
  }
}

/** Every process under this one. */
function descendants(all: readonly Proc[]): Proc[] {
  const out: Proc[] = [];
  const parents = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        out.push(p);
        grew = true;
      }
    }
  }
  return out;
}

export default class StallWatchdog implements Reporter {
  private running: { file: string; sinceMs: number } | null = null;
  private reported = false;
  private killed = false;
  private timer: NodeJS.Timeout | null = null;
  /** What this reporter printed, for the summary at the end. */
  private readonly printed: string[] = [];
  /** Files that began and have not ended. */
  private readonly unfinished = new Set<string>();
  /** Where the test processes' event-loop watchdogs keep their reports (they inherit the variable). */
  private readonly reportDir: string;
  private readonly ownsReportDir: boolean;

  constructor() {
    const given = process.env.BROOK_WATCHDOG_DIR;
    this.ownsReportDir = given === undefined;
    this.reportDir = given ?? mkdtempSync(join(tmpdir(), 'brook-watchdog-'));
    process.env.BROOK_WATCHDOG_DIR = this.reportDir;
  }

  onInit(): void {
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  onTestModuleStart(module: TestModule): void {
    this.running = { file: module.moduleId, sinceMs: Date.now() };
    this.unfinished.add(module.moduleId);
    this.reported = false;
    this.killed = false;
  }

  onTestModuleEnd(module: TestModule): void {
    this.running = null;
    this.unfinished.delete(module.moduleId);
  }

  onTestRunEnd(): void {
    if (this.timer !== null) clearInterval(this.timer);
    const lines = [...this.printed.map((line) => `stall watchdog: ${line}\n`), ...this.eventLoopReports()];
    for (const file of this.unfinished) lines.push(`began and did not end (its test process died): ${file}\n`);
    if (this.ownsReportDir) rmSync(this.reportDir, { recursive: true, force: true });
    if (lines.length === 0) return;
    process.stderr.write(`\nwatchdogs of this run, again:\n${lines.join('')}`);
  }

  private eventLoopReports(): string[] {
    try {
      return readdirSync(this.reportDir)
        .sort()
        .map((name) => readFileSync(join(this.reportDir, name), 'utf8'));
    } catch {
      return [];
    }
  }

  private print(line: string): void {
    this.printed.push(line);
    process.stderr.write(`stall watchdog: ${line}\n`);
  }

  private check(): void {
    const running = this.running;
    if (running === null) return;
    const ranS = Math.round((Date.now() - running.sinceMs) / 1000);
    if (ranS * 1000 >= STALL_REPORT_MS && !this.reported) {
      this.reported = true;
      this.print(`${running.file} has run for ${ranS} s without finishing; the processes under vitest:`);
      for (const p of descendants(processes()))
        this.print(`  pid ${p.pid} (parent ${p.ppid}) cpu ${p.cpu}% for ${p.seconds} s: ${p.args.slice(0, 160)}`);
    }
    if (ranS * 1000 >= STALL_KILL_MS && !this.killed) {
      this.killed = true;
      // vitest's test processes are its children that run a worker.
      for (const p of processes().filter((q) => q.ppid === process.pid && q.args.includes('vitest/dist/work'))) {
        this.print(`killing test process ${p.pid} (${running.file} ran ${ranS} s)`);
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }
}
