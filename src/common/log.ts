// One pino root logger per process; modules take a child with their own `module` binding.
// Lines are JSON for machines (log shippers, `docker logs` piped to jq) and human-readable for a
// person at a terminal: `auto` picks by whether stdout is a TTY, as most servers' loggers do.
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** `auto` resolved against the output stream: pretty on a terminal, JSON otherwise. */
export function resolveLogFormat(format: LogFormat, isTty: boolean): 'json' | 'pretty' {
  if (format !== 'auto') return format;
  return isTty ? 'pretty' : 'json';
}

export function createLogger(
  level: LevelWithSilent,
  bindings: Record<string, unknown> = {},
  format: LogFormat = 'json',
): Logger {
  const options = { level, base: { pid: process.pid, ...bindings } };
  if (resolveLogFormat(format, process.stdout.isTTY === true) === 'json') return pino(options);
  // Synchronous, in this thread (not a transport worker): a fatal line before process.exit is
  // written, as with the JSON destination. pid and nodeId stay in JSON only: on a terminal they
  // are known, and `module` leads the message instead of trailing it.
  const pretty = PinoPretty({
    sync: true,
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,nodeId,module',
    singleLine: true,
    messageFormat: '{if module}[{module}] {end}{msg}',
  });
  return pino(options, pretty);
}

/** A logger that writes nothing, for unit tests and the simulation. */
export const silentLogger: Logger = pino({ level: 'silent' });
