// What each line command does, as a Kafka client of this node would do it, through the node's
// own dispatcher: PRODUCE asks Metadata for the topic (created when auto.create.topics.enable
// allows it, as a Kafka producer's first Metadata does), picks the key's partition as Kafka's
// default partitioner does, and sends a Produce with acks=all, answered once write.quorum
// replicas hold the record; CONSUME sends a Fetch from the offset (no waiting) and answers the
// records below the high watermark. The produce path's checks (leader, quorum, batch validation)
// and errors are the handlers' own. A partition this node does not lead is answered with
// NOT_LEADER_OR_FOLLOWER and the leader's address, for the client to connect there. Authorization:
// the requests go through the dispatcher with this connection as their client, so when the
// handlers check ACLs (house-acls), they check them for the line client too.
import {
  Api,
  type BrokerConnection,
  brokerError,
  ClientError,
  decodeBlob,
  encodeBatch,
  partitionForKey,
} from '../client/index.js';
import { ErrorCode, errorName } from '../common/index.js';
import type { FetchResponse, MetadataResponse, ProduceResponse } from '../kafka/index.js';
import { escapeField, type LineCommand } from './parse.js';

const PRODUCE_TIMEOUT_MS = 30_000;
const FETCH_BYTES_MAX = 1024 * 1024;

export interface LineContext {
  readonly nodeId: number;
  readonly connection: BrokerConnection;
}

export function errorLine(code: number, message: string): string {
  return `ERR ${errorName(code)} ${message.replace(/[\r\n]+/g, ' ')}\n`;
}

async function partitionOf(ctx: LineContext, topic: string, create: boolean, pick: (count: number) => number) {
  const metadata = await ctx.connection.send<MetadataResponse>(Api.Metadata, {
    topics: [{ name: topic }],
    allowAutoTopicCreation: create,
    includeTopicAuthorizedOperations: false,
  });
  const described = metadata.topics.find((t) => t.name === topic);
  if (!described) throw new ClientError(`topic ${topic} is not in the metadata`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (described.errorCode !== ErrorCode.NONE) throw brokerError(described.errorCode, `topic ${topic}`);
  const count = described.partitions.length;
  if (count === 0) throw new ClientError(`topic ${topic} has no partitions`, ErrorCode.LEADER_NOT_AVAILABLE);
  const index = pick(count);
  const partition = described.partitions.find((p) => p.partitionIndex === index);
  if (!partition)
    throw new ClientError(`topic ${topic} has partitions 0-${count - 1}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (partition.leaderId !== ctx.nodeId) {
    const leader = metadata.brokers.find((b) => b.nodeId === partition.leaderId);
    const where = leader ? `node ${leader.nodeId} at ${leader.host}:${leader.port}` : 'no live node';
    throw new ClientError(
      `${topic}-${index} is led by ${where}`,
      partition.leaderId < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NOT_LEADER_OR_FOLLOWER,
    );
  }
  return index;
}

async function produce(ctx: LineContext, topic: string, key: string, value: string): Promise<string> {
  const keyBytes = Buffer.from(key);
  const partition = await partitionOf(ctx, topic, true, (count) => partitionForKey(keyBytes, count));
  const answer = await ctx.connection.send<ProduceResponse>(Api.Produce, {
    transactionalId: null,
    acks: -1,
    timeoutMs: PRODUCE_TIMEOUT_MS,
    topicData: [
      {
        name: topic,
        partitionData: [{ index: partition, records: encodeBatch([{ key: keyBytes, value: Buffer.from(value) }]) }],
      },
    ],
  });
  const result = answer.responses[0]?.partitionResponses[0];
  if (!result) throw new ClientError('no answer for the partition', ErrorCode.UNKNOWN_SERVER_ERROR);
  if (result.errorCode !== ErrorCode.NONE)
    throw brokerError(result.errorCode, `${topic}-${partition}`, result.errorMessage);
  return `OK ${partition} ${result.baseOffset}\n`;
}

async function consume(
  ctx: LineContext,
  topic: string,
  partition: number,
  offset: number,
  maxRecords: number,
): Promise<string> {
  await partitionOf(ctx, topic, false, () => partition);
  const answer = await ctx.connection.send<FetchResponse>(Api.Fetch, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: FETCH_BYTES_MAX,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [
          {
            partition,
            currentLeaderEpoch: -1,
            fetchOffset: offset,
            lastFetchedEpoch: -1,
            logStartOffset: -1,
            partitionMaxBytes: FETCH_BYTES_MAX,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
  const data = answer.responses[0]?.partitions[0];
  if (!data) throw new ClientError('no answer for the partition', ErrorCode.UNKNOWN_SERVER_ERROR);
  if (data.errorCode !== ErrorCode.NONE) {
    const range =
      data.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE
        ? ` (the log holds ${data.logStartOffset} to ${data.highWatermark})`
        : '';
    throw new ClientError(`${topic}-${partition} offset ${offset}${range}`, data.errorCode);
  }
  const blob =
    data.records === null ? null : Buffer.isBuffer(data.records) ? data.records : Buffer.concat(data.records);
  const decoded = decodeBlob(topic, partition, blob, offset);
  const records = decoded.records.slice(0, maxRecords);
  // Cut at maxRecords, the next offset follows the last record shown; else the last batch read.
  const next = records.length < decoded.records.length ? records[records.length - 1]!.offset + 1 : decoded.nextOffset;
  const lines = records.map(
    (r) => `RECORD ${r.offset} ${r.timestamp} ${escapeField(r.key, true)} ${escapeField(r.value, false)}\n`,
  );
  return `${lines.join('')}END ${Math.min(next, data.highWatermark)} ${data.highWatermark}\n`;
}

/** The reply to one line: `OK ...`, `RECORD ...` lines and `END ...`, or `ERR ...`. */
export async function execute(ctx: LineContext, command: LineCommand): Promise<string> {
  try {
    switch (command.kind) {
      case 'invalid':
        return errorLine(ErrorCode.INVALID_REQUEST, command.reason);
      case 'produce':
        return await produce(ctx, command.topic, command.key, command.value);
      case 'consume':
        return await consume(ctx, command.topic, command.partition, command.offset, command.maxRecords);
    }
  } catch (err) {
    if (err instanceof ClientError) return errorLine(err.code ?? ErrorCode.UNKNOWN_SERVER_ERROR, err.message);
    throw err;
  }
}
