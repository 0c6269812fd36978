// The frames of the append stream: the leader's appends to one follower travel on one gRPC
// bidirectional stream whose messages are these frames instead of protobuf. A frame carries many
// partitions' appends with their batches back to back; the sender writes it into one buffer in one
// pass (each batch copied once) and the receiver reads the batches as views of the received buffer.
// Measured on the 2-core machine: unary calls cost ~1.3 ms of round trip each against ~0.2 ms for a
// message on an open stream, and protobuf encoding of 100 KB records cut stream throughput by a third.
//
// All integers are big-endian; i64 fields hold safe integers only.
//   AppendCall    := version:u8 callId:u32 clusterId:str count:u32 Append{count}
//   Append        := topic:str topicId:str partition:i32 epoch:i32 leaderId:i32 prevOffset:i64
//                    prevEpoch:i32 highWatermark:i64 epochStartOffset:i64 leaderLogStartOffset:i64
//                    hasDivergence:u8 [requestedEpoch:i32 epoch:i32 endOffset:i64]
//                    batchCount:u32 (baseOffset:i64 lastOffset:i64 epoch:i32 sizeBytes:i32){batchCount}
//                    records: the batches' bytes, sizeBytes each, in order
//   AppendAnswers := version:u8 callId:u32 count:u32 Answer{count}
//   Answer        := replicaId:i32 epoch:i32 error:u8 logEndOffset:i64 durableEndOffset:i64
//                    lastEpoch:i32 holdsEpochMarker:u8
//   str           := length:u16 utf8 bytes
// A frame that does not parse is a broken peer: the receiver ends the stream (FrameError). A request
// that parses but makes no sense (batches that do not follow each other, say) is answered `unknown`.
import type { AppendRequest, AppendResponse, BatchInfo, DivergenceAnswer } from './protocol/index.js';
import { AppendError } from './protocol/index.js';
import { UNKNOWN_PARTITION, type WireAppendRequest, type WireAppendResponse } from './wire.js';

const FRAME_VERSION = 1;
const TWO_32 = 2 ** 32;
/** Appends in one frame; far above what a call's byte limit lets through, a guard against garbage. */
const APPENDS_PER_FRAME_MAX = 100_000;

const BATCH_INFO_BYTES = 8 + 8 + 4 + 4;
const APPEND_FIXED_BYTES = 4 + 4 + 4 + 8 + 4 + 8 + 8 + 8 + 1 + 4;
const DIVERGENCE_BYTES = 4 + 4 + 8;
const ANSWER_BYTES = 4 + 4 + 1 + 8 + 8 + 4 + 1;

/** Error codes on the wire, by position. */
const ANSWER_ERRORS = [AppendError.none, AppendError.fenced, AppendError.gap, AppendError.diverged, UNKNOWN_PARTITION] as const;

export class FrameError extends Error {}

/** One partition's append as the receiver gets it: the core's request and the batches' bytes, or why it is refused. */
export interface ReceivedAppend {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly decoded: { request: AppendRequest; buffers: Buffer[]; leaderLogStartOffset: number } | { refused: string };
}

export interface ReceivedCall {
  readonly callId: number;
  readonly clusterId: string;
  readonly appends: ReceivedAppend[];
}

// ---------------------------------------------------------------------------------------- writing

class FrameWriter {
  private position = 0;
  constructor(readonly buffer: Buffer) {}

  u8(value: number): void {
    this.position = this.buffer.writeUInt8(value, this.position);
  }
  u32(value: number): void {
    this.position = this.buffer.writeUInt32BE(value, this.position);
  }
  i32(value: number): void {
    this.position = this.buffer.writeInt32BE(value, this.position);
  }
  i64(value: number): void {
    const high = Math.floor(value / TWO_32);
    this.position = this.buffer.writeInt32BE(high, this.position);
    this.position = this.buffer.writeUInt32BE(value - high * TWO_32, this.position);
  }
  str(bytes: Buffer): void {
    this.position = this.buffer.writeUInt16BE(bytes.length, this.position);
    this.position += bytes.copy(this.buffer, this.position);
  }
  bytes(value: Buffer): void {
    this.position += value.copy(this.buffer, this.position);
  }
  done(): Buffer {
    if (this.position !== this.buffer.length) throw new Error(`frame size miscounted: wrote ${this.position} of ${this.buffer.length}`);
    return this.buffer;
  }
}

function utf8(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 0xffff) throw new Error(`string of ${bytes.length} bytes does not fit a frame`);
  return bytes;
}

/** One frame for the appends of one call to a peer. */
export function encodeAppendCall(callId: number, clusterId: string, requests: readonly WireAppendRequest[]): Buffer {
  const cluster = utf8(clusterId);
  const names = requests.map((r) => ({ topic: utf8(r.topic), topicId: utf8(r.topicId) }));
  let size = 1 + 4 + 2 + cluster.length + 4;
  requests.forEach((r, i) => {
    const n = names[i] as { topic: Buffer; topicId: Buffer };
    size += 2 + n.topic.length + 2 + n.topicId.length + APPEND_FIXED_BYTES + (r.divergence ? DIVERGENCE_BYTES : 0) + r.batches.length * BATCH_INFO_BYTES;
    for (const b of r.records) size += b.length;
  });
  const w = new FrameWriter(Buffer.allocUnsafe(size));
  w.u8(FRAME_VERSION);
  w.u32(callId);
  w.str(cluster);
  w.u32(requests.length);
  requests.forEach((r, i) => {
    const n = names[i] as { topic: Buffer; topicId: Buffer };
    w.str(n.topic);
    w.str(n.topicId);
    w.i32(r.partition);
    w.i32(r.epoch);
    w.i32(r.leaderId);
    w.i64(r.prevOffset);
    w.i32(r.prevEpoch);
    w.i64(r.highWatermark);
    w.i64(r.epochStartOffset);
    w.i64(r.leaderLogStartOffset);
    if (r.divergence) {
      w.u8(1);
      w.i32(r.divergence.requestedEpoch);
      w.i32(r.divergence.epoch);
      w.i64(r.divergence.endOffset);
    } else {
      w.u8(0);
    }
    w.u32(r.batches.length);
    for (const b of r.batches) {
      w.i64(b.baseOffset);
      w.i64(b.lastOffset);
      w.i32(b.epoch);
      w.i32(b.sizeBytes);
    }
    for (const b of r.records) w.bytes(b);
  });
  return w.done();
}

/** One frame for the answers to call `callId`, in the order of its appends. */
export function encodeAppendAnswers(callId: number, answers: readonly WireAppendResponse[]): Buffer {
  const w = new FrameWriter(Buffer.allocUnsafe(1 + 4 + 4 + answers.length * ANSWER_BYTES));
  w.u8(FRAME_VERSION);
  w.u32(callId);
  w.u32(answers.length);
  for (const a of answers) {
    const code = ANSWER_ERRORS.indexOf(a.error as (typeof ANSWER_ERRORS)[number]);
    if (code < 0) throw new Error(`no wire code for append error ${a.error}`);
    w.i32(a.replicaId);
    w.i32(a.epoch);
    w.u8(code);
    w.i64(a.logEndOffset);
    w.i64(a.durableEndOffset);
    w.i32(a.lastEpoch);
    w.u8(a.holdsEpochMarker ? 1 : 0);
  }
  return w.done();
}

// ---------------------------------------------------------------------------------------- reading

class FrameReader {
  private position = 0;
  constructor(private readonly buffer: Buffer) {}

  private need(bytes: number, what: string): void {
    if (this.position + bytes > this.buffer.length) throw new FrameError(`frame truncated in ${what} at byte ${this.position} of ${this.buffer.length}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buffer.readUInt8(this.position++);
  }
  u32(what: string): number {
    this.need(4, what);
    const value = this.buffer.readUInt32BE(this.position);
    this.position += 4;
    return value;
  }
  i32(what: string): number {
    this.need(4, what);
    const value = this.buffer.readInt32BE(this.position);
    this.position += 4;
    return value;
  }
  i64(what: string): number {
    this.need(8, what);
    const value = this.buffer.readInt32BE(this.position) * TWO_32 + this.buffer.readUInt32BE(this.position + 4);
    this.position += 8;
    if (!Number.isSafeInteger(value)) throw new FrameError(`${what} is not a safe integer`);
    return value;
  }
  str(what: string): string {
    this.need(2, what);
    const length = this.buffer.readUInt16BE(this.position);
    this.position += 2;
    this.need(length, what);
    const value = this.buffer.toString('utf8', this.position, this.position + length);
    this.position += length;
    return value;
  }
  /** A view of the next `length` bytes (no copy). */
  view(length: number, what: string): Buffer {
    this.need(length, what);
    const value = this.buffer.subarray(this.position, this.position + length);
    this.position += length;
    return value;
  }
  get remaining(): number {
    return this.buffer.length - this.position;
  }
}

function version(r: FrameReader): void {
  const v = r.u8('version');
  if (v !== FRAME_VERSION) throw new FrameError(`unknown frame version ${v}`);
}

function readAppend(r: FrameReader): ReceivedAppend {
  const topic = r.str('topic');
  const topicId = r.str('topic id');
  const partition = r.i32('partition');
  const epoch = r.i32('epoch');
  const leaderId = r.i32('leader id');
  const prevOffset = r.i64('prev offset');
  const prevEpoch = r.i32('prev epoch');
  const highWatermark = r.i64('high watermark');
  const epochStartOffset = r.i64('epoch start offset');
  const leaderLogStartOffset = r.i64('leader log start offset');
  let divergence: DivergenceAnswer | null = null;
  if (r.u8('divergence flag') !== 0) {
    divergence = { requestedEpoch: r.i32('divergence'), epoch: r.i32('divergence'), endOffset: r.i64('divergence') };
  }
  const batchCount = r.u32('batch count');
  if (batchCount * BATCH_INFO_BYTES > r.remaining) throw new FrameError(`batch count ${batchCount} exceeds the frame`);
  const batches: BatchInfo[] = [];
  let recordBytes = 0;
  for (let i = 0; i < batchCount; i++) {
    const info: BatchInfo = { baseOffset: r.i64('batch'), lastOffset: r.i64('batch'), epoch: r.i32('batch'), sizeBytes: r.i32('batch') };
    if (info.sizeBytes <= 0) throw new FrameError(`batch of ${info.sizeBytes} bytes`);
    recordBytes += info.sizeBytes;
    batches.push(info);
  }
  const records = r.view(recordBytes, 'records');
  const buffers: Buffer[] = [];
  let position = 0;
  for (const b of batches) {
    buffers.push(records.subarray(position, position + b.sizeBytes));
    position += b.sizeBytes;
  }
  const request: AppendRequest = { epoch, leaderId, prevOffset, prevEpoch, batches, highWatermark, epochStartOffset, divergence };
  const refused = refusal(request);
  return { topic, topicId, partition, decoded: refused ? { refused } : { request, buffers, leaderLogStartOffset: Math.max(0, leaderLogStartOffset) } };
}

/** Why a well-formed append cannot be handed to a replica, or null. */
function refusal(request: AppendRequest): string | null {
  if (request.epoch < 0 || request.leaderId < 0 || request.highWatermark < 0 || request.epochStartOffset < 0) return 'bad append request header';
  let expected = request.prevOffset + 1;
  for (const b of request.batches) {
    if (b.baseOffset < 0 || b.lastOffset < b.baseOffset) return `bad batch description at ${b.baseOffset}`;
    if (b.baseOffset !== expected) return `batches do not follow each other at ${b.baseOffset}`;
    expected = b.lastOffset + 1;
  }
  return null;
}

export function decodeAppendCall(frame: Buffer): ReceivedCall {
  const r = new FrameReader(frame);
  version(r);
  const callId = r.u32('call id');
  const clusterId = r.str('cluster id');
  const count = r.u32('append count');
  if (count > APPENDS_PER_FRAME_MAX) throw new FrameError(`${count} appends in one frame`);
  const appends: ReceivedAppend[] = [];
  for (let i = 0; i < count; i++) appends.push(readAppend(r));
  if (r.remaining !== 0) throw new FrameError(`${r.remaining} bytes after the last append`);
  return { callId, clusterId, appends };
}

/** The answers to a call; an answer is null when the follower could not take the append (`unknown`). */
export function decodeAppendAnswers(frame: Buffer): { callId: number; answers: (AppendResponse | null)[] } {
  const r = new FrameReader(frame);
  version(r);
  const callId = r.u32('call id');
  const count = r.u32('answer count');
  if (count * ANSWER_BYTES !== r.remaining) throw new FrameError(`${count} answers in ${r.remaining} bytes`);
  const answers: (AppendResponse | null)[] = [];
  for (let i = 0; i < count; i++) {
    const replicaId = r.i32('answer');
    const epoch = r.i32('answer');
    const code = r.u8('answer');
    const error = ANSWER_ERRORS[code];
    if (error === undefined) throw new FrameError(`unknown append error code ${code}`);
    const logEndOffset = r.i64('answer');
    const durableEndOffset = r.i64('answer');
    const lastEpoch = r.i32('answer');
    const holdsEpochMarker = r.u8('answer') === 1;
    answers.push(error === UNKNOWN_PARTITION ? null : { replicaId, epoch, error, logEndOffset, durableEndOffset, lastEpoch, holdsEpochMarker });
  }
  return { callId, answers };
}
