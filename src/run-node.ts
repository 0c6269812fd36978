// Runs one node as `node dist/node.js` and `brook start` do: parses the settings (a bad one stops
// start-up with one line naming it), starts the node, and on SIGTERM/SIGINT stops accepting
// clients, flushes every log and exits.
import { startNode, type RunningNode } from './broker.js';
import { ConfigError, createLogger, type NodeConfig, parseConfig } from './common/index.js';

export async function runNode(argv: readonly string[]): Promise<void> {
  let config: NodeConfig | null;
  try {
    config = parseConfig(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`brook: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (config === null) return; // --help
  const log = createLogger(config.logLevel, { nodeId: config.nodeId }, config.logFormat);
  let node: RunningNode;
  try {
    node = await startNode(config, log);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`brook: cannot start: ${message}\n`);
    log.fatal({ err }, 'start-up failed');
    process.exit(1);
  }
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutdown requested');
    const timer = setTimeout(() => {
      log.error('graceful stop took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    node.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
}
