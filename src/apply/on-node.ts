// A node started with --apply FILE applies the topics file once it is ready, through its own
// dispatcher — the handlers, checks and forwarding to the controller that a Kafka admin client
// gets — retrying while the cluster cannot take admin requests yet (no controller, too few
// brokers registered for a replication factor). What it did, or why it could not, is logged with
// the file and line; a bad file does not stop the node. Its requests are User:ANONYMOUS's on a
// listener that authenticates nobody: with authorizer.all.listeners they need ACLs (or that
// principal among super.users).
import { readFile } from 'node:fs/promises';
import { Admin, CLIENT_DEFAULTS, DispatcherTransport, KafkaClient } from '../client/index.js';
import type { Logger } from '../common/index.js';
import type { ListenerIdentity, RequestDispatcher } from '../kafka/index.js';
import { applyPlan, planFile } from './apply.js';
import { describePlan } from './plan.js';
import { parseTopicsFile, TopicsFileError } from './topics-file.js';

/** How long the node keeps trying while admin requests fail with retriable errors. */
const APPLY_TIMEOUT_MS = 120_000;

export async function applyOnNode(
  path: string,
  dispatcher: RequestDispatcher,
  listener: ListenerIdentity,
  log: Logger,
): Promise<boolean> {
  const transport = new DispatcherTransport(dispatcher, '127.0.0.1:0', 'brook-apply', { listener });
  const client = new KafkaClient({
    ...CLIENT_DEFAULTS,
    clientId: 'brook-apply',
    apiTimeoutMs: APPLY_TIMEOUT_MS,
    bootstrap: [{ host: 'in-process', port: 1 }],
    connect: () => Promise.resolve(transport),
  });
  try {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new TopicsFileError(path, null, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const file = parseTopicsFile(path, text);
    const admin = new Admin(client);
    const plan = await planFile(admin, file, false);
    await applyPlan(admin, file, plan);
    log.info({ file: path, changes: describePlan(plan) }, 'topics file applied');
    return true;
  } catch (err) {
    const line = err instanceof TopicsFileError ? err.line : null;
    log.error({ file: path, line, err: err instanceof Error ? err.message : String(err) }, 'topics file not applied');
    return false;
  } finally {
    client.close();
  }
}
