// Produce (key 0), versions 0-9; only magic 2 record batches are stored. Versions 0-2 carry
// message formats v0/v1 (message sets), converted here into one record batch v2 per partition
// as Kafka 3.x did (storage/message-set.ts); with legacy.api.versions.enable=false they are
// refused per partition with UNSUPPORTED_FOR_MESSAGE_FORMAT, as Kafka 4 does, but still
// advertised: librdkafka (< 2.11) compresses with gzip, snappy or lz4 only when the Produce range
// includes version 0. A topic whose compression.type names a codec gets every batch in that codec:
// one that differs is recompressed here, on the leader, before it is stored (offsets, timestamps,
// producer fields and the other attributes kept; `producer` keeps what was sent). Per partition:
// validate the batch (CRC-32C, header, size, exactly one batch), append it as leader — synchronously, so pipelined
// requests on one connection append in order — then answer: acks=0 never (an error closes the
// connection, as Kafka does, so the client refreshes metadata), acks=1 after the leader's append,
// acks=-1 once the high watermark passes the batch, i.e. once write.quorum replicas hold it
// (REQUEST_TIMED_OUT after timeoutMs; NOT_ENOUGH_REPLICAS up front, nothing appended, when fewer
// than write.quorum replicas are live; NOT_LEADER_OR_FOLLOWER if leadership moves meanwhile). A retried
// idempotent batch gets its original offset and is not stored again. Transactional batches (v3+,
// with the request's transactionalId; TRANSACTIONAL_ID_AUTHORIZATION_FAILED without one) go through
// the same checks plus the producer state's: INVALID_PRODUCER_EPOCH for a fenced epoch,
// INVALID_TXN_STATE for a non-transactional batch inside an open transaction, and KIP-890 part 1
// before a batch opens a transaction on a partition (produce-transactions.ts: the coordinator is
// asked, and that producer's later batches to the partition wait behind the answer).
// Authorization (as Kafka's handleProduceRequest): WRITE on a transactional id the request names,
// else every partition gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED; WRITE on each topic, else its
// partitions get TOPIC_AUTHORIZATION_FAILED, checked before anything else about the topic.
// A compacted topic (cleanup.policy with compact) refuses a batch holding a record without a key, as
// Kafka does: INVALID_RECORD with a record error per keyless record, nothing stored; only for such
// topics are the records decoded.
import { assert, ErrorCode, KafkaError, NO_PRODUCE_STAGES, stageNowMs } from '../../common/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
import type { AppendResult, Replica } from '../../replication/index.js';
import {
  type BatchHeader,
  type LeaderAppendOptions,
  codecOfCompressionType,
  compressionOf,
  Compression,
  firstMagic,
  isCompacted,
  keylessRecordIndexes,
  messageSetToBatch,
  recompressBatch,
  splitBatches,
  validateClientBatch,
  isTransactionalBatch,
} from '../../storage/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler, NO_RESPONSE, type RequestContext } from '../handler.js';
import type { PartitionProduceResponse, ProduceRequest, ProduceResponse } from '../protocol/messages/produce.js';
import type { RequestAccess } from '../request-access.js';
import { notAuthorized } from './authorization.js';
import { errorOf } from './common.js';
import { leaderFor } from './partition-access.js';
import {
  immediateTxnOptions,
  mustVerify,
  TransactionalAppendQueues,
  type TransactionalBatch,
  verifyBatches,
} from './produce-transactions.js';

const ZSTD_MIN_PRODUCE_VERSION = 7;
/** How far a compressed batch of a compacted topic may expand while its keys are checked. */
const KEY_CHECK_RECORDS_BYTES_MAX = 256 * 1024 * 1024;

/** INVALID_RECORD naming the records refused (Produce v8+ carries them as record errors). */
class RecordErrors extends KafkaError {
  override name = 'RecordErrors';

  constructor(
    message: string,
    readonly records: readonly { batchIndex: number; batchIndexErrorMessage: string | null }[],
  ) {
    super(ErrorCode.INVALID_RECORD, message);
  }
}

/** A compacted topic keeps the latest value of each key: a record without one is refused, the batch with it. */
function refuseKeylessRecords(batch: Buffer, maxBytes: number, topic: string, index: number): void {
  const keyless = keylessRecordIndexes(batch, maxBytes);
  if (keyless === null || keyless.length === 0) return;
  const message = `Compacted topic cannot accept message without key in topic partition ${topic}-${index}.`;
  throw new RecordErrors(
    message,
    keyless.map((batchIndex) => ({ batchIndex, batchIndexErrorMessage: message })),
  );
}

function toBuffer(records: ProduceRequest['topicData'][number]['partitionData'][number]['records']): Buffer | null {
  if (records === null) return null;
  if (Buffer.isBuffer(records)) return records;
  return Buffer.concat(records);
}

interface PreparedBatch {
  readonly topic: string;
  readonly index: number;
  readonly partition: Replica;
  readonly batch: Buffer;
  readonly header: BatchHeader;
}

interface Appended {
  readonly partition: Replica;
  readonly result: AppendResult;
  readonly durable: Promise<void> | null;
}

type Settled = ({ readonly index: number } & Appended) | { readonly index: number; readonly error: unknown };
type PartitionOutcome = Settled | { readonly index: number; readonly prepared: PreparedBatch };

function settledNow(p: PartitionOutcome): Settled {
  assert(!('prepared' in p), 'a batch waiting for its transaction verification is settled later');
  return p;
}

const CLIENT_APPEND: LeaderAppendOptions = { origin: 'client' };

export function produceHandler(ctx: BrokerContext) {
  const queues = new TransactionalAppendQueues();
  // The stages of an acks=all produce (common/metrics-stages.ts): queued here, hw_to_response below.
  const stages = ctx.stages ?? NO_PRODUCE_STAGES;

  /** Every check that needs no producer state; the batch is ready to append. */
  function prepareOne(
    access: RequestAccess,
    topic: string,
    index: number,
    records: Buffer | null,
    version: number,
  ): PreparedBatch {
    if (!access.allows(AclOperation.WRITE, ResourceType.TOPIC, topic)) {
      throw notAuthorized(AclOperation.WRITE, ResourceType.TOPIC, topic);
    }
    if (topic.startsWith('__'))
      throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `internal topic ${topic} cannot be written by clients`);
    const partition = leaderFor(ctx, topic, index);
    if (version < 3 && !ctx.config.legacyApiVersions)
      throw new KafkaError(
        ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
        'produce v0-2 carry message formats 0/1; use v3+ (record batch v2)',
      );
    if (records === null || records.length === 0)
      throw new KafkaError(ErrorCode.INVALID_RECORD, 'no record batch for partition');
    // The topic's max.message.bytes and compression.type as the replica's log was given them.
    const { maxMessageBytes, compressionType } = partition.log.logConfig;
    const topicCodec = codecOfCompressionType(compressionType);
    let batch: Buffer;
    // Kafka checked the magic of v0-2 requests by content, not by version (old clients send either).
    const legacy = version < 3 && firstMagic(records) !== 2;
    if (legacy) {
      if (records.length > maxMessageBytes)
        throw new KafkaError(
          ErrorCode.MESSAGE_TOO_LARGE,
          `message set of ${records.length} bytes exceeds max.message.bytes ${maxMessageBytes}`,
        );
      batch = messageSetToBatch(records, topicCodec).batch;
    } else {
      const batches = splitBatches(records);
      if (batches.length !== 1)
        throw new KafkaError(ErrorCode.INVALID_RECORD, `exactly one record batch per partition, got ${batches.length}`);
      batch = batches[0]!;
    }
    const header = validateClientBatch(batch, { maxMessageBytes });
    if (!legacy && compressionOf(header.attributes) === Compression.zstd && version < ZSTD_MIN_PRODUCE_VERSION) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `zstd needs produce v${ZSTD_MIN_PRODUCE_VERSION}+`);
    }
    if (isCompacted(partition.log.logConfig)) refuseKeylessRecords(batch, KEY_CHECK_RECORDS_BYTES_MAX, topic, index);
    // Last, so a batch refused anyway costs no compression.
    if (!legacy && topicCodec !== null && compressionOf(header.attributes) !== topicCodec) {
      batch = recompressBatch(batch, topicCodec);
      if (batch.length > maxMessageBytes)
        throw new KafkaError(
          ErrorCode.MESSAGE_TOO_LARGE,
          `batch recompressed for compression.type is ${batch.length} bytes, over max.message.bytes ${maxMessageBytes}`,
        );
    }
    return { topic, index, partition, batch, header };
  }

  function appendPrepared(
    p: PreparedBatch,
    options: LeaderAppendOptions,
    acks: number,
    timeoutMs: number,
    receivedAtMs: number,
  ): Appended {
    const { partition, header } = p;
    if (acks === -1 && !partition.canAcceptAcksAll()) {
      // Refused before appending: fewer than write.quorum replicas are live, so it could not commit.
      throw new KafkaError(
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `fewer than write.quorum replicas of ${p.topic}-${p.index} are live`,
      );
    }
    if (acks === -1) stages.observe('queued', (stageNowMs() - receivedAtMs) / 1000);
    const result: AppendResult = partition.append([p.batch], { ...options, messageCount: header.recordsCount });
    if (!result.duplicate) ctx.traffic.produced(p.topic, p.batch.length, header.recordsCount);
    const durable = acks === -1 ? partition.waitForHighWatermark(result.lastOffset + 1, timeoutMs) : null;
    return { partition, result, durable };
  }

  return defineHandler<ProduceRequest, ProduceResponse>({
    apiKey: 0,
    name: 'Produce',
    minVersion: 0,
    maxVersion: 9,
    async handle(request, context: RequestContext) {
      const { acks } = request;
      const version = context.apiVersion;
      const { receivedAtMs } = context.timing;
      const access = ctx.authorizer.access(context);
      const transactionalId = version >= 3 ? request.transactionalId : null;
      const refused =
        transactionalId !== null && !access.allows(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId)
          ? notAuthorized(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId)
          : null;
      let anyError = false;
      const verifier = ctx.transactionVerifier;
      const waiting: TransactionalBatch[] = [];
      // Phase 1, synchronous and in request order: validate and append every partition's batch; a
      // transactional batch that needs the coordinator's word is appended once it comes (phase 1b).
      const pending = request.topicData.map((topic) => ({
        name: topic.name,
        partitions: topic.partitionData.map((data): PartitionOutcome => {
          if (refused !== null) {
            anyError = true;
            return { index: data.index, error: refused };
          }
          if (acks !== 0 && acks !== 1 && acks !== -1) {
            anyError = true;
            return {
              index: data.index,
              error: new KafkaError(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, got ${acks}`),
            };
          }
          try {
            const prepared = prepareOne(access, topic.name, data.index, toBuffer(data.records), version);
            if (!isTransactionalBatch(prepared.header.attributes)) {
              const appended = appendPrepared(prepared, CLIENT_APPEND, acks, request.timeoutMs, receivedAtMs);
              return { index: data.index, ...appended };
            }
            if (request.transactionalId === null) {
              throw new KafkaError(
                ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                'a transactional batch needs the request to name its transactional id',
              );
            }
            if (!mustVerify(verifier, queues, prepared)) {
              const options = immediateTxnOptions(verifier);
              return { index: data.index, ...appendPrepared(prepared, options, acks, request.timeoutMs, receivedAtMs) };
            }
            waiting.push(prepared);
            return { index: data.index, prepared };
          } catch (err) {
            anyError = true;
            return { index: data.index, error: err };
          }
        }),
      }));
      // Phase 1b: one verification per producer for the batches that wait, each appended behind
      // the earlier ones of its producer and partition.
      let settled: { name: string; partitions: Settled[] }[];
      if (waiting.length === 0) {
        settled = pending.map((t) => ({ name: t.name, partitions: t.partitions.map(settledNow) }));
      } else {
        const verified = verifyBatches(verifier, request.transactionalId ?? '', waiting);
        settled = await Promise.all(
          pending.map(async (topic) => ({
            name: topic.name,
            partitions: await Promise.all(
              topic.partitions.map(async (p): Promise<Settled> => {
                if (!('prepared' in p)) return p;
                const prepared = p.prepared;
                const optionsOf = verified.get(prepared) as () => Promise<LeaderAppendOptions>;
                try {
                  const appended = await queues.enqueue(prepared.partition, prepared.header.producerId, async () =>
                    appendPrepared(prepared, await optionsOf(), acks, request.timeoutMs, receivedAtMs),
                  );
                  return { index: p.index, ...appended };
                } catch (err) {
                  anyError = true;
                  return { index: p.index, error: err };
                }
              }),
            ),
          })),
        );
      }
      if (acks === 0) {
        if (anyError) context.connection.close('produce with acks=0 failed; closing so the client refreshes metadata');
        return NO_RESPONSE;
      }
      // Phase 2: wait for durability where acks=all asks for it.
      const responses = await Promise.all(
        settled.map(async (topic) => ({
          name: topic.name,
          partitionResponses: await Promise.all(
            topic.partitions.map(async (p): Promise<PartitionProduceResponse> => {
              const base = {
                index: p.index,
                baseOffset: -1,
                logAppendTimeMs: -1,
                logStartOffset: -1,
                recordErrors: [],
                errorMessage: null,
                currentLeader: { leaderId: -1, leaderEpoch: -1 },
              };
              if ('error' in p) {
                const recordErrors = p.error instanceof RecordErrors ? [...p.error.records] : [];
                return { ...base, ...errorOf(p.error, ctx.log), recordErrors };
              }
              try {
                if (p.durable) await p.durable;
                return {
                  ...base,
                  errorCode: ErrorCode.NONE,
                  baseOffset: p.result.baseOffset,
                  logAppendTimeMs: p.result.logAppendTime,
                  logStartOffset: p.partition.logStartOffset,
                };
              } catch (err) {
                anyError = true;
                return { ...base, ...errorOf(err, ctx.log) };
              }
            }),
          ),
        })),
      );
      if (acks === -1 && !anyError) {
        const coveredAtMs = stageNowMs();
        context.timing.onWritten = () => stages.observe('hw_to_response', (stageNowMs() - coveredAtMs) / 1000);
      }
      return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
    },
  });
}
