// Every bound Brook enforces, in one place, checked against each other at start-up.
import { assert } from './assert.js';

export const limits = {
  /** Largest request frame a client may send (Kafka's socket.request.max.bytes). */
  requestSizeBytesMax: 100 * 1024 * 1024,
  /** Requests parsed but not yet answered on one connection before reading pauses. */
  connectionInflightRequestsMax: 1024,
  /** Bytes of responses queued on one socket before request processing waits for a drain. */
  connectionPendingResponseBytesMax: 64 * 1024 * 1024,
  /** Largest record batch accepted on produce (Kafka's max.message.bytes default). */
  batchSizeBytesMax: 1_048_588,
  /** Array elements a decoder accepts in one request before refusing it as hostile. */
  arrayLengthMax: 1_000_000,
  /** Longest topic name (Kafka: 249). */
  topicNameLengthMax: 249,
  /** Partitions per topic. */
  partitionsPerTopicMax: 10_000,
  /** Idempotent producer batches remembered per producer per partition (Kafka: 5). */
  producerBatchesRetained: 5,
  /** Fetch long-poll wait a client may ask for. */
  fetchMaxWaitMsMax: 60_000,
} as const;

assert(limits.batchSizeBytesMax < limits.requestSizeBytesMax, 'a batch must fit in a request');
assert(limits.topicNameLengthMax <= 249, 'topic names are capped by Kafka at 249');
