// A vitest setup file: a watchdog thread in every test process. Vitest's timeouts are timers on the
// test process's event loop, so a test whose loop never turns again (a synchronous or microtask loop
// in a client library, say) outlives all of them, and a CI run ends at its own limit with no word of
// where. The main thread marks the time every second; when the mark is older than
// BLOCKED_REPORT_MS, the watchdog thread pauses the main thread through the inspector and writes its
// JavaScript stack to stderr, and at BLOCKED_KILL_MS it kills the process, so vitest reports the
// file failed and runs the rest of the suite. Each report is also kept in BROOK_WATCHDOG_DIR (set by
// the stall reporter), which prints them all again after the run's summary, where a CI log's tail
// shows them.
import { Worker } from 'node:worker_threads';
import { expect } from 'vitest';

const BLOCKED_REPORT_MS = Number(process.env.BROOK_BLOCKED_REPORT_MS ?? 60_000);
const BLOCKED_KILL_MS = Number(process.env.BROOK_BLOCKED_KILL_MS ?? 180_000);

// The thread's own code, in plain JavaScript (it is not transformed like the test files).
const WATCHDOG = `
const { workerData, parentPort } = require('node:worker_threads');
const inspector = require('node:inspector');
const { appendFileSync, writeSync } = require('node:fs');
const { join } = require('node:path');
const { mark, reportMs, killMs, dir } = workerData;
let file = workerData.file;
parentPort.on('message', (name) => (file = name));
const write = (text) => {
  const line = 'event-loop watchdog: ' + text + '\\n';
  writeSync(2, line);
  if (dir === undefined) return;
  try {
    appendFileSync(join(dir, process.pid + '.log'), line);
  } catch {
    // the run's directory is gone: stderr has it
  }
};
let reported = false;
function dumpStack(blockedMs) {
  const session = new inspector.Session();
  session.connectToMainThread();
  // Enabling the debugger announces every script loaded so far: their names for the frames.
  const urls = new Map();
  session.on('Debugger.scriptParsed', (message) => urls.set(message.params.scriptId, message.params.url));
  session.on('Debugger.paused', (message) => {
    const frames = message.params.callFrames.slice(0, 40).map((f) =>
      '    at ' + (f.functionName || '(anonymous)') + ' (' + (f.url || urls.get(f.location.scriptId) || '?') + ':' + (f.location.lineNumber + 1) + ':' +
      (f.location.columnNumber + 1) + ')');
    write('the event loop of ' + file + ' has not turned for ' + Math.round(blockedMs / 1000) +
      ' s; its JavaScript stack:\\n' + frames.join('\\n'));
    session.post('Debugger.resume', () => session.disconnect());
  });
  session.post('Debugger.enable', () => session.post('Debugger.pause'));
}
setInterval(() => {
  const blockedMs = Date.now() - Atomics.load(mark, 0) * 1000;
  if (blockedMs < reportMs) {
    reported = false;
    return;
  }
  if (!reported) {
    reported = true;
    dumpStack(blockedMs);
  }
  if (blockedMs >= killMs) {
    write('killing the test process of ' + file + ' (its event loop has not turned for ' + Math.round(blockedMs / 1000) + ' s)');
    process.kill(process.pid, 'SIGKILL');
  }
}, 1000);
`;

const state = globalThis as { brookEventLoopWatchdog?: Worker };
const file = expect.getState().testPath ?? 'a test file';
if (state.brookEventLoopWatchdog === undefined) {
  // Whole seconds since the epoch (Atomics need integers; an Int32Array holds them until 2038).
  const mark = new Int32Array(new SharedArrayBuffer(4));
  const beat = (): void => {
    Atomics.store(mark, 0, Math.floor(Date.now() / 1000));
  };
  beat();
  setInterval(beat, 1_000).unref();
  const worker = new Worker(WATCHDOG, {
    eval: true,
    workerData: {
      mark,
      reportMs: BLOCKED_REPORT_MS,
      killMs: BLOCKED_KILL_MS,
      file,
      dir: process.env.BROOK_WATCHDOG_DIR,
    },
  });
  worker.unref();
  state.brookEventLoopWatchdog = worker;
} else {
  // A test process that runs several files: the watchdog names the current one.
  state.brookEventLoopWatchdog.postMessage(file);
}
