// One pino root logger per process; modules take a child with their own `module` binding.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function createLogger(level: LevelWithSilent, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { pid: process.pid, ...bindings } });
}

/** A logger that writes nothing, for unit tests and the simulation. */
export const silentLogger: Logger = pino({ level: 'silent' });
