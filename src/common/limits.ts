// Every bound Brook enforces, in one place, checked against each other at start-up.
import { assert } from './assert.js';

export const limits = {
  /** Largest request frame a client may send (Kafka's socket.request.max.bytes). */
  requestSizeBytesMax: 100 * 1024 * 1024,
  /** Requests parsed but not yet answered on one connection before reading pauses. */
  connectionInflightRequestsMax: 1024,
  /**
   * Bytes of requests parsed but not yet answered on one connection before reading pauses (at
   * least one request is always handled): how far one producer's appends may run ahead of
   * replication, so followers keep up from the leader's in-memory tail.
   */
  connectionInflightRequestBytesMax: 4 * 1024 * 1024,
  /**
   * Largest frame a client may send before it has authenticated on a SASL listener: a SASL token
   * is small, and an unauthenticated client must not make the broker buffer 100 MiB (Kafka's
   * sasl.server.max.receive.size).
   */
  saslReceiveBytesMax: 512 * 1024,
  /** A client on a SASL listener that has not authenticated within this long is disconnected. */
  saslAuthenticationTimeoutMs: 30_000,
  /** A TLS handshake not finished within this long is given up. */
  tlsHandshakeTimeoutMs: 10_000,
  /** Longest delay of a failed authentication's answer, however many failures came before. */
  authenticationFailureDelayMsMax: 5_000,
  /** Client addresses whose recent authentication failures are remembered (the oldest is forgotten). */
  authenticationFailureAddressesMax: 10_000,
  /** How long an authentication failure counts toward a longer delay for its address. */
  authenticationFailureMemoryMs: 60_000,
  /** Largest record batch accepted on produce (Kafka's max.message.bytes default). */
  batchSizeBytesMax: 1_048_588,
  /**
   * Bytes one compressed batch or message set may decompress to (recompression for a topic's
   * compression.type, the old message formats' conversions): a compression bomb stops here.
   */
  decompressedBatchBytesMax: 64 * 1024 * 1024,
  /** Array elements a decoder accepts in one request before refusing it as hostile. */
  arrayLengthMax: 1_000_000,
  /** Longest topic name (Kafka: 249). */
  topicNameLengthMax: 249,
  /** Partitions per topic. */
  partitionsPerTopicMax: 10_000,
  /** Idempotent producer batches remembered per producer per partition (Kafka: 5). */
  producerBatchesRetained: 5,
  /** Idempotent producers tracked per partition; the least recently active is forgotten beyond it. */
  producersPerPartitionMax: 100_000,
  /**
   * Transactions ended by a marker the high watermark has not passed, remembered per partition
   * (they hold the last stable offset back). Beyond it the oldest is forgotten: its decision is
   * final, so its data may show as stable a little early, never wrongly.
   */
  unstableEndedTxnsMax: 100_000,
  /** Partition logs opened (recovered) at the same time when a node starts. */
  logOpenConcurrencyMax: 8,
  /** Fetch long-poll wait a client may ask for. */
  fetchMaxWaitMsMax: 60_000,
  /**
   * Partitions all fetch sessions of a node hold together (Kafka bounds only the sessions): a
   * client that opens a session on every fetch, as @platformatic/kafka 1.x does, would otherwise
   * keep slots x partitions entries (1000 x 1000 is about 150 MB).
   */
  fetchSessionPartitionsMax: 100_000,
  /** Bytes of idle consumer-fetch read buffers a process keeps for reuse (storage/read-buffers.ts). */
  fetchReadBuffersIdleBytesMax: 64 * 1024 * 1024,
  /** The idle fetch read buffers are let go once no fetch read leased one for this long. */
  fetchReadBuffersIdleMs: 10_000,
  /** Bytes of entries in one Raft AppendEntries message (at least one entry is always sent). */
  raftMessageSizeBytesMax: 1024 * 1024,
  /** Raft AppendEntries in flight to one follower before the leader waits for acks. */
  raftInflightMessagesMax: 256,
  /** Bytes of Raft entries in flight to one follower (bounds the bandwidth-delay product). */
  raftInflightBytesMax: 32 * 1024 * 1024,
  /** Uncommitted Raft proposal bytes a leader holds before refusing proposals. */
  raftUncommittedBytesMax: 64 * 1024 * 1024,
  /** Largest single Raft proposal (a metadata record batch). */
  raftProposalBytesMax: 8 * 1024 * 1024,
  /** Bytes of committed Raft entries handed to the application per Ready. */
  raftCommittedBytesPerReadyMax: 16 * 1024 * 1024,
  /** ReadIndex requests a Raft leader queues awaiting a heartbeat quorum. */
  raftPendingReadIndexMax: 4096,
  /** Raft messages queued for one peer before new ones are dropped (Raft resends what is lost). */
  raftPeerQueueMessagesMax: 4096,
  /** Bytes of Raft messages queued for one peer before new ones are dropped. */
  raftPeerQueueBytesMax: 64 * 1024 * 1024,
  /** Bytes of Raft messages carried by one gRPC call to a peer (a snapshot always goes alone). */
  raftBatchBytesMax: 4 * 1024 * 1024,
  /** Raft proposals awaiting commit on one node before new ones are refused as overloaded. */
  raftPendingProposalsMax: 4096,
  /** Linearizable reads (ReadIndex) waiting on one node before new ones are refused. */
  raftPendingReadsMax: 4096,
  /** Members one consumer group may hold (Kafka's group.max.size); joins beyond it get GROUP_MAX_SIZE_REACHED. */
  groupMembersMax: 1000,
  /** Longest committed-offset metadata string (Kafka's offset.metadata.max.bytes). */
  offsetMetadataBytesMax: 4096,
  /** How long a coordinator write may wait for the high watermark (Kafka's offsets.commit.timeout.ms). */
  coordinatorWriteTimeoutMs: 5000,
  /**
   * How long WriteTxnMarkers waits for a marker to pass the high watermark before answering
   * REQUEST_TIMED_OUT (Kafka waits its request.timeout.ms, 30 s).
   */
  txnMarkerWriteTimeoutMs: 30_000,
  /**
   * Transactions this node's coordinator is completing (markers being written) before a new
   * EndTxn is answered CONCURRENT_TRANSACTIONS, which producers retry: the marker queues' bound.
   * A coordinator that loads a partition takes over its completions whatever their number.
   */
  txnCompletionsPendingMax: 10_000,
  /** Partitions one WriteTxnMarkers call carries (the rest of a broker's queue goes in the next). */
  txnMarkersPerCallMax: 1000,
  /** First wait before a marker is sent again after a retriable failure; doubles per attempt. */
  txnMarkerRetryBackoffMs: 50,
  /** Longest wait between attempts at one marker. */
  txnMarkerRetryBackoffMaxMs: 1000,
  /**
   * How long a call to another node over the inter-broker channel (WriteTxnMarkers, a
   * transaction verification) may take before it counts as failed; longer than a marker's own
   * wait for its high watermark, so a slow but live leader answers first.
   */
  interBrokerCallTimeoutMs: 40_000,
  /**
   * How long the transaction coordinator holds a request that would be answered
   * CONCURRENT_TRANSACTIONS while the id's previous transition or transaction completes (the
   * next transaction's AddPartitionsToTxn, InitProducerId after a fence), retrying it as soon as
   * that is done; clients would otherwise back off (librdkafka 20 ms, Java and kafkajs longer)
   * between back-to-back transactions. Far below any client's request timeout.
   */
  txnConcurrentWaitMs: 1000,
  /** How long a partition leader waits for the transaction coordinator to verify a partition. */
  txnVerifyTimeoutMs: 5000,
  /** Longest pause between offset-expiry passes (Kafka's offsets.retention.check.interval.ms). */
  offsetsRetentionCheckIntervalMsMax: 600_000,
  /** Tombstones written in one batch by an offset-expiry pass. */
  expiryRecordsPerBatchMax: 1000,
  /** Requests (acks=all produces, coordinator writes) waiting for one partition's high watermark. */
  highWatermarkWaitersMax: 100_000,
  /** State changes (appends from the leader, seals, role changes) queued on one partition replica. */
  replicaQueueDepthMax: 1024,
  /** Partition append requests queued for one peer before new ones are dropped (the leader resends). */
  replicationPeerQueueRequestsMax: 10_000,
  /** Bytes of partition append requests queued for one peer before new ones are dropped. */
  replicationPeerQueueBytesMax: 128 * 1024 * 1024,
  /** Bytes of batches carried by one AppendBatch call to a peer (at least one request always goes). */
  replicationCallBytesMax: 8 * 1024 * 1024,
  /** AppendBatch calls in flight to one peer (pipelining across fsyncs of the follower). */
  replicationPeerCallsInflightMax: 4,
  /** Bytes of newest batches a partition leader keeps in memory for followers that keep up. */
  replicationTailCacheBytesMax: 4 * 1024 * 1024,
  /**
   * Bytes of newest batches all the partition leaders of a node keep in memory together
   * (replication/tail-cache-budget.ts): the per-partition bound times 1,000 partitions would be 4 GB.
   * Twice what one peer may have in flight (calls x bytes per call) is plenty for followers that
   * keep up, which need only what was appended since their last request.
   */
  replicationTailCacheNodeBytesMax: 64 * 1024 * 1024,
  /** Batches a partition leader keeps in memory for followers that keep up. */
  replicationTailCacheBatchesMax: 4096,
  /** A leader's in-memory tail is let go once nothing was appended for this long (idle partitions hold no memory). */
  replicationTailCacheIdleMs: 10_000,
  /** ACLs the cluster holds (each is a metadata record, in every node's memory and snapshot). */
  aclsMax: 100_000,
  /** ACLs one CreateAcls request may create, or one DeleteAcls request remove (one metadata entry). */
  aclsPerRequestMax: 2_000,
  /** Longest resource name, principal or host an ACL may carry. */
  aclFieldLengthMax: 1024,
  /** Quota entities (user, client id, or both) the cluster holds. */
  clientQuotaEntitiesMax: 100_000,
  /** Rate sensors one node keeps for quota enforcement; the idlest are dropped beyond it. */
  quotaSensorsMax: 100_000,
  /** A quota sensor no request touched for this long is dropped (Kafka: one hour). */
  quotaSensorIdleMs: 3_600_000,
} as const;

assert(limits.batchSizeBytesMax < limits.requestSizeBytesMax, 'a batch must fit in a request');
assert(
  limits.decompressedBatchBytesMax >= 16 * limits.batchSizeBytesMax,
  'a default-sized batch must be allowed to decompress at a generous ratio',
);
assert(limits.saslReceiveBytesMax < limits.requestSizeBytesMax, 'a SASL token must fit in a request');
assert(limits.topicNameLengthMax <= 249, 'topic names are capped by Kafka at 249');
assert(
  limits.replicationTailCacheNodeBytesMax >= limits.replicationTailCacheBytesMax,
  "one partition's whole tail must fit the node's tail budget",
);
assert(limits.raftMessageSizeBytesMax <= limits.raftBatchBytesMax, 'one Raft append must fit a transport batch');
assert(limits.raftBatchBytesMax <= limits.raftPeerQueueBytesMax, 'one transport batch must fit a peer queue');
assert(
  limits.raftProposalBytesMax <= limits.raftUncommittedBytesMax,
  'one Raft proposal must fit the uncommitted budget',
);
assert(
  limits.replicationCallBytesMax <= limits.replicationPeerQueueBytesMax,
  'one replication call must fit a peer queue',
);
// An ACL record is JSON: three bounded strings and about 200 bytes of field names and codes.
assert(
  limits.aclsPerRequestMax * (3 * limits.aclFieldLengthMax + 256) <= limits.raftProposalBytesMax,
  'the ACLs of one CreateAcls or DeleteAcls request must fit one metadata proposal',
);
