// Small builders for replication core tests, over an in-memory log (memory-log.ts).
import type {
  AppendRequest,
  AppendResponse,
  BatchInfo,
  FollowerAction,
  FollowerCore,
} from '../../src/replication/protocol/index.js';
import { NO_EPOCH } from '../../src/replication/protocol/index.js';
import { type MemoryBatch, MemoryLog } from './memory-log.js';

let nextValue = 1;

/**
 * A durable log built from [epoch, batchCount] runs, one record per batch; each run's epoch is
 * also recorded as an explicit start marker (as its leader did).
 */
export function logOf(runs: ReadonlyArray<readonly [number, number]>, opts: { durable?: boolean } = {}): MemoryLog {
  const log = new MemoryLog();
  for (const [epoch, count] of runs) {
    if (epoch > log.lastEpoch) log.assignEpochStart(epoch, log.logEndOffset);
    for (let i = 0; i < count; i++) log.appendAsLeader(epoch, [nextValue++]);
  }
  if (opts.durable ?? true) log.completeFlush(log.logEndOffset, log.flushGeneration);
  return log;
}

export function request(fields: Partial<AppendRequest> & { epoch: number }): AppendRequest {
  return {
    leaderId: 1,
    prevOffset: -1,
    prevEpoch: NO_EPOCH,
    batches: [],
    highWatermark: 0,
    epochStartOffset: 0,
    divergence: null,
    ...fields,
  };
}

export function batchesOf(log: MemoryLog, fromOffset: number): MemoryBatch[] {
  return log.read(fromOffset, Number.MAX_SAFE_INTEGER);
}

/** Performs follower actions on a MemoryLog (durably, at once) and returns the refreshed response. */
export function perform(
  follower: FollowerCore,
  log: MemoryLog,
  req: AppendRequest,
  actions: readonly FollowerAction[],
): AppendResponse {
  let response: AppendResponse | undefined;
  for (const a of actions) {
    switch (a.type) {
      case 'persistSealedEpoch':
        break;
      case 'truncateTo':
        log.truncateTo(a.offset);
        break;
      case 'assignEpochStart':
        log.assignEpochStart(a.epoch, a.startOffset);
        break;
      case 'append':
        log.appendAsFollower(req.batches.slice(a.from, a.to) as MemoryBatch[]);
        log.completeFlush(log.logEndOffset, log.flushGeneration);
        break;
      case 'respond':
        response = follower.refreshResponse(a.response, log);
        break;
    }
  }
  if (response === undefined) throw new Error('no respond action');
  return response;
}

export function types(actions: readonly FollowerAction[]): string[] {
  return actions.map((a) =>
    a.type === 'truncateTo'
      ? `truncateTo(${a.offset})`
      : a.type === 'assignEpochStart'
        ? `marker(${a.epoch}@${a.startOffset})`
        : a.type === 'append'
          ? `append(${a.batches.map((b: BatchInfo) => b.baseOffset).join(',')})`
          : a.type === 'respond'
            ? `respond(${a.response.error})`
            : a.type,
  );
}
