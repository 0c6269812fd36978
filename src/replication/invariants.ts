// Operating errors and broken invariants on the replication path. An operating error is part of
// running: the disk failed (EIO, ENOSPC: an errno code), a request was bad or came too late (a
// KafkaError), a replica's queue is full or it closed. Those are answered (a Kafka error code, an
// append "lost, send again") and retried. Anything else — an AssertionError above all — means the
// replica's state is not what the code believes: the node must stop (production logs and exits;
// the simulation fails the seed), never answer UNKNOWN_SERVER_ERROR and carry on.
import { KafkaError } from '../common/index.js';
import { errorCode } from '../storage/index.js';
import { QueueFullError } from './serial-queue.js';

/** Called once for a broken invariant; the node stops. */
export type Fatal = (err: unknown) => void;

export function isOperatingError(err: unknown): boolean {
  return err instanceof KafkaError || err instanceof QueueFullError || errorCode(err) !== undefined;
}

/** Hands `err` to `fatal` unless it is an operating error (the caller then rethrows or reports it). */
export function stopIfBroken(err: unknown, fatal: Fatal): void {
  if (!isOperatingError(err)) fatal(err);
}
