// The replication messages as proto/replication.proto carries them (proto-loader objects, camelCase
// fields, int64 as numbers), and their conversion to and from the core's plain messages. Decoding is
// field by field with defaults, so nothing a peer sends beyond the schema reaches the core.
import type { AppendRequest, AppendResponse, BatchInfo, DivergenceAnswer, SealResponse } from './protocol/index.js';
import { AppendError } from './protocol/index.js';

export interface WireBatchInfo {
  baseOffset: number;
  lastOffset: number;
  epoch: number;
  sizeBytes: number;
}

export interface WireAppendRequest {
  clusterId: string;
  topic: string;
  topicId: string;
  partition: number;
  epoch: number;
  leaderId: number;
  prevOffset: number;
  prevEpoch: number;
  batches: WireBatchInfo[];
  /** The batches' bytes back to back. */
  records: Buffer;
  highWatermark: number;
  epochStartOffset: number;
  divergence: DivergenceAnswer | null;
  /** The leader's log start offset (DeleteRecords moves it; followers follow within their HW). */
  leaderLogStartOffset: number;
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
  error: string;
}

export interface WireElectionRequest {
  clusterId: string;
  topicId: string;
  partition: number;
  leaderEpoch: number;
  requesterId: number;
}

/** The receiver does not host the partition (yet): the sender treats the request as lost. */
export const UNKNOWN_PARTITION = 'unknown';

const APPEND_ERRORS = new Set<string>(Object.values(AppendError));

function int(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : fallback;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function appendRequestToWire(
  request: AppendRequest,
  ids: { clusterId: string; topic: string; topicId: string; partition: number },
  records: Buffer,
  leaderLogStartOffset: number,
): WireAppendRequest {
  return {
    ...ids,
    leaderLogStartOffset,
    epoch: request.epoch,
    leaderId: request.leaderId,
    prevOffset: request.prevOffset,
    prevEpoch: request.prevEpoch,
    batches: request.batches.map((b) => ({ baseOffset: b.baseOffset, lastOffset: b.lastOffset, epoch: b.epoch, sizeBytes: b.sizeBytes })),
    records,
    highWatermark: request.highWatermark,
    epochStartOffset: request.epochStartOffset,
    divergence: request.divergence,
  };
}

/** The core's request and the batches' bytes cut from `records`, or an error text for a malformed one. */
export function appendRequestFromWire(raw: Record<string, unknown>): { request: AppendRequest; buffers: Buffer[]; leaderLogStartOffset: number } | string {
  const records = raw['records'] instanceof Uint8Array ? Buffer.from(raw['records'].buffer, raw['records'].byteOffset, raw['records'].byteLength) : Buffer.alloc(0);
  const batches: BatchInfo[] = [];
  const buffers: Buffer[] = [];
  let position = 0;
  for (const b of (Array.isArray(raw['batches']) ? raw['batches'] : []) as Record<string, unknown>[]) {
    const info: BatchInfo = { baseOffset: int(b['baseOffset'], -1), lastOffset: int(b['lastOffset'], -1), epoch: int(b['epoch'], -1), sizeBytes: int(b['sizeBytes'], -1) };
    if (info.baseOffset < 0 || info.lastOffset < info.baseOffset || info.sizeBytes <= 0 || position + info.sizeBytes > records.length) {
      return `bad batch description at ${info.baseOffset}`;
    }
    const prev = batches[batches.length - 1];
    if (prev !== undefined && prev.lastOffset + 1 !== info.baseOffset) return `batches not contiguous at ${info.baseOffset}`;
    batches.push(info);
    buffers.push(records.subarray(position, position + info.sizeBytes));
    position += info.sizeBytes;
  }
  if (position !== records.length) return `records carry ${records.length - position} bytes beyond the batches`;
  const d = raw['divergence'] as Record<string, unknown> | null | undefined;
  const divergence: DivergenceAnswer | null =
    d === null || d === undefined ? null : { requestedEpoch: int(d['requestedEpoch'], -1), epoch: int(d['epoch'], -1), endOffset: int(d['endOffset'], -1) };
  const request: AppendRequest = {
    epoch: int(raw['epoch'], -1),
    leaderId: int(raw['leaderId'], -1),
    prevOffset: int(raw['prevOffset'], -1),
    prevEpoch: int(raw['prevEpoch'], -1),
    batches,
    highWatermark: int(raw['highWatermark'], 0),
    epochStartOffset: int(raw['epochStartOffset'], 0),
    divergence,
  };
  if (request.epoch < 0 || request.leaderId < 0 || request.highWatermark < 0 || request.epochStartOffset < 0) return 'bad append request header';
  if (batches.length > 0 && (batches[0] as BatchInfo).baseOffset !== request.prevOffset + 1) return 'batches do not follow prevOffset';
  return { request, buffers, leaderLogStartOffset: Math.max(0, int(raw['leaderLogStartOffset'], 0)) };
}

export function appendResponseToWire(response: AppendResponse): WireAppendResponse {
  return { ...response };
}

export function unknownPartitionResponse(replicaId: number): WireAppendResponse {
  return { replicaId, epoch: -1, error: UNKNOWN_PARTITION, logEndOffset: -1, durableEndOffset: -1, lastEpoch: -1, holdsEpochMarker: false };
}

/** The core's response, or null when the follower could not answer (unknown partition, bad reply). */
export function appendResponseFromWire(raw: Record<string, unknown> | undefined): AppendResponse | null {
  if (raw === undefined) return null;
  const error = str(raw['error']);
  if (!APPEND_ERRORS.has(error)) return null;
  return {
    replicaId: int(raw['replicaId'], -1),
    epoch: int(raw['epoch'], -1),
    error: error as AppendError,
    logEndOffset: int(raw['logEndOffset'], 0),
    durableEndOffset: int(raw['durableEndOffset'], 0),
    lastEpoch: int(raw['lastEpoch'], -1),
    holdsEpochMarker: raw['holdsEpochMarker'] === true,
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
  };
}

export function sealRequestFromWire(raw: Record<string, unknown>): WireSealRequest {
  return { clusterId: str(raw['clusterId']), topic: str(raw['topic']), topicId: str(raw['topicId']), partition: int(raw['partition'], -1), epoch: int(raw['epoch'], -1) };
}

export function electionRequestFromWire(raw: Record<string, unknown>): WireElectionRequest {
  return {
    clusterId: str(raw['clusterId']),
    topicId: str(raw['topicId']),
    partition: int(raw['partition'], -1),
    leaderEpoch: int(raw['leaderEpoch'], -1),
    requesterId: int(raw['requesterId'], -1),
  };
}
