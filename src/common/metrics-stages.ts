// Where an acks=all produce spends its time, stage by stage, as Prometheus histograms
// (docs/operations.md, "Reading the produce stage breakdown"). On the leader,
// brook_kafka_produce_stage_seconds{stage}:
//   queued                 request read off the socket → its batch's leader append starts
//   leader_append_fsync    leader append starts → the leader's fsync covers the batch
//   peer_queue             batch queued for a follower → the call carrying it is written to the stream
//   to_followers           call written (leader) → call received (follower)
//   follower_append_fsync  call received → answered, on the follower (append + fsync, as it reports)
//   back_to_leader         answer written (follower) → answer received (leader)
//   hw_to_response         the high watermark covers the request's batches → its response is written
// and on every node brook_replication_follower_append_seconds, the follower's own view of each append call.
// The network legs come from the leader's round trip: the follower returns, in its answer, when it
// received the call (wall clock) and how long it took (its own monotonic clock), so
// to_followers + back_to_leader = round trip − follower time exactly; the split between the two
// legs uses the wall clocks of two processes, exact on one machine, off by the clock offset across
// machines. Observations are per batch, per call or per request, never per record; stage children
// are made once.
import { Histogram, type Registry } from 'prom-client';

export const PRODUCE_STAGES = [
  'queued',
  'leader_append_fsync',
  'peer_queue',
  'to_followers',
  'follower_append_fsync',
  'back_to_leader',
  'hw_to_response',
] as const;
export type ProduceStage = (typeof PRODUCE_STAGES)[number];

/** 25 µs to ~11 s in steps of 1.5×, fine enough that a median read from bucket counts is within 25 %. */
export const STAGE_BUCKETS_SECONDS: readonly number[] = Array.from({ length: 33 }, (_, k) =>
  Number((25e-6 * 1.5 ** k).toPrecision(3)),
);

export interface ProduceStages {
  observe(this: void, stage: ProduceStage, seconds: number): void;
  /** On a follower: one append call carrying batches, from its arrival to its answer. */
  replicaAppend(this: void, seconds: number): void;
}

/** For parts run without a node's registry (tests, the simulation). */
export const NO_PRODUCE_STAGES: ProduceStages = {
  observe: () => {},
  replicaAppend: () => {},
};

/** Milliseconds on this process's monotonic clock, for durations. */
export const stageNowMs = (): number => performance.now();

/** Milliseconds of wall clock with sub-millisecond precision, comparable between processes on one machine. */
export const wallClockMs = (monotonicMs: number): number => performance.timeOrigin + monotonicMs;

export function produceStageMetrics(registry: Registry): ProduceStages {
  const stages = new Histogram({
    name: 'brook_kafka_produce_stage_seconds',
    help: 'Time of each stage of a produce on the partition leader (queued, leader_append_fsync, peer_queue, ...)',
    labelNames: ['stage'],
    buckets: [...STAGE_BUCKETS_SECONDS],
    registers: [registry],
  });
  const replicaAppend = new Histogram({
    name: 'brook_replication_follower_append_seconds',
    help: 'On a follower: an append call from a leader, received to answered (queue, append, fsync)',
    buckets: [...STAGE_BUCKETS_SECONDS],
    registers: [registry],
  });
  const children = new Map(PRODUCE_STAGES.map((s) => [s, stages.labels(s)]));
  return {
    observe: (stage, seconds) => children.get(stage)?.observe(seconds),
    replicaAppend: (seconds) => replicaAppend.observe(seconds),
  };
}

/** What the leader knows of one answered append call that carried batches. */
export interface AppendCallTiming {
  /** When its oldest append was queued for the peer (monotonic ms, leader). */
  readonly queuedAtMs: number;
  /** When the call was written to the stream (monotonic ms, leader). */
  readonly sentAtMs: number;
  /** When its answer arrived (monotonic ms, leader). */
  readonly answeredAtMs: number;
  /** The follower's report: when the call arrived there (wall clock ms) and how long it took. */
  readonly followerReceivedAtWallMs: number;
  readonly followerSeconds: number;
}

/** The four replication legs of one call, each clamped into the round trip. */
export function observeAppendCall(stages: ProduceStages, t: AppendCallTiming): void {
  const roundTripSeconds = Math.max(0, (t.answeredAtMs - t.sentAtMs) / 1000);
  const followerSeconds = Math.min(Math.max(0, t.followerSeconds), roundTripSeconds);
  const networkSeconds = roundTripSeconds - followerSeconds;
  const toSeconds = Math.min(
    Math.max(0, (t.followerReceivedAtWallMs - wallClockMs(t.sentAtMs)) / 1000),
    networkSeconds,
  );
  stages.observe('peer_queue', Math.max(0, (t.sentAtMs - t.queuedAtMs) / 1000));
  stages.observe('to_followers', toSeconds);
  stages.observe('follower_append_fsync', followerSeconds);
  stages.observe('back_to_leader', networkSeconds - toSeconds);
}
