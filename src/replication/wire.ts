// The replication messages between brokers and their conversion to and from the core's plain
// messages. Appends travel as frames of their own on a gRPC stream (append-frames.ts); Seal and
// RequestElection as protobuf (proto/replication.proto: proto-loader objects, camelCase fields,
// int64 as numbers), decoded field by field with defaults, so nothing a peer sends beyond the schema
// reaches the core.
import type { AppendRequest, SealResponse } from './protocol/index.js';

/** The core's request with what the frame adds around it: which partition, and the batches' bytes. */
export interface WireAppendRequest extends AppendRequest {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  /** The batches' bytes, one buffer per batch. */
  readonly records: readonly Buffer[];
  /** The leader's log start offset (DeleteRecords moves it; followers follow within their HW). */
  readonly leaderLogStartOffset: number;
}

/** `error` is an AppendError, or `unknown` when the receiver does not host the partition. */
export interface WireAppendResponse {
  replicaId: number;
  epoch: number;
  error: string;
  logEndOffset: number;
  durableEndOffset: number;
  lastEpoch: number;
  holdsEpochMarker: boolean;
}

export interface WireSealRequest {
  clusterId: string;
  topic: string;
  topicId: string;
  partition: number;
  epoch: number;
}

export interface WireSealResponse extends SealResponse {
  /** led_high_watermark is meaningful (proto3 cannot tell an absent 0 from a real one). */
  led?: boolean;
  error: string;
}

export interface WireElectionRequest {
  clusterId: string;
  topicId: string;
  partition: number;
  leaderEpoch: number;
  requesterId: number;
  /** The leader reports every learner of a reassignment caught up (not an election request). */
  learnersCaughtUp?: boolean;
}

/** The receiver does not host the partition (yet): the sender treats the request as lost. */
export const UNKNOWN_PARTITION = 'unknown';

function int(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : fallback;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function appendRequestToWire(
  request: AppendRequest,
  ids: { topic: string; topicId: string; partition: number },
  records: readonly Buffer[],
  leaderLogStartOffset: number,
): WireAppendRequest {
  return { ...request, ...ids, records, leaderLogStartOffset };
}

export function unknownPartitionResponse(replicaId: number): WireAppendResponse {
  return {
    replicaId,
    epoch: -1,
    error: UNKNOWN_PARTITION,
    logEndOffset: -1,
    durableEndOffset: -1,
    lastEpoch: -1,
    holdsEpochMarker: false,
  };
}

export function sealResponseFromWire(raw: Record<string, unknown>): SealResponse {
  const error = str(raw['error']);
  if (error !== '') throw new Error(`seal refused: ${error}`);
  return {
    replicaId: int(raw['replicaId'], -1),
    sealedEpoch: int(raw['sealedEpoch'], -1),
    lastEpoch: int(raw['lastEpoch'], -1),
    logEndOffset: int(raw['logEndOffset'], 0),
    accepted: raw['accepted'] === true,
    ledHighWatermark: raw['led'] === true ? int(raw['ledHighWatermark'], -1) : -1,
  };
}

export function sealRequestFromWire(raw: Record<string, unknown>): WireSealRequest {
  return {
    clusterId: str(raw['clusterId']),
    topic: str(raw['topic']),
    topicId: str(raw['topicId']),
    partition: int(raw['partition'], -1),
    epoch: int(raw['epoch'], -1),
  };
}

export function electionRequestFromWire(raw: Record<string, unknown>): WireElectionRequest {
  return {
    clusterId: str(raw['clusterId']),
    topicId: str(raw['topicId']),
    partition: int(raw['partition'], -1),
    leaderEpoch: int(raw['leaderEpoch'], -1),
    requesterId: int(raw['requesterId'], -1),
    learnersCaughtUp: raw['learnersCaughtUp'] === true,
  };
}
