// Kafka's authorization rule of every API Brook serves, as test cases: one request each, the
// answer a user without ACLs gets, the ACLs that let the request through and the answer then.
// test/integration/acls-every-api.test.ts sends them and fails for an API the node advertises
// that has no entry here, so a new handler cannot ship without its authorization rule.
import { ErrorCode } from '../../src/common/index.js';
import { AclOperation, ResourceType } from '../../src/metadata/index.js';
import { buildRecordBatch } from '../../src/storage/index.js';

/** The resources the rules name; the test creates them before it sends anything. */
export const RESOURCES = {
  /** A topic with one partition and one record. */
  topic: 'every-api',
  /** A topic the granted DeleteTopics deletes. */
  doomedTopic: 'every-api-doomed',
  /** A group with a committed offset for `topic` partition 0 (no members). */
  group: 'every-api-group',
  /** Groups the granted DeleteGroups and OffsetDelete change (each with an offset committed too). */
  doomedGroup: 'every-api-doomed-group',
  offsetsGroup: 'every-api-offsets-group',
} as const;

export interface Grant {
  readonly resourceType: ResourceType;
  readonly resourceName: string;
  readonly operation: AclOperation;
}

/**
 * `granted` of a rule whose allowed answer depends on state the test does not set up (a
 * transaction coordinator's view of an id nobody initialised): any answer but the refusal and
 * but an authorization error.
 */
export const ANY_BUT_REFUSED = Symbol('any answer but the refusal');

export interface AuthorizedApi {
  readonly name: string;
  readonly version: number;
  readonly body: object;
  /** Where in the answer to look: a dotted path ('topics.0.errorCode'; '*' maps over an array). */
  readonly at: string;
  /** What a user without ACLs finds there. */
  readonly refused: unknown;
  /** The literal ALLOW ACLs (for the user, from any host) that let the request through. */
  readonly grants: readonly Grant[];
  /** What the user finds there with them. */
  readonly granted: unknown;
}

/** An API Kafka serves to anyone: it comes before authentication or is part of it. */
export interface UnauthorizedApi {
  readonly name: string;
  readonly unauthorized: string;
}

/**
 * An API that answers everyone but shows each principal only the resources it may DESCRIBE; with
 * nothing of that kind open in this test there is nothing to show either way.
 */
export interface FilteringApi {
  readonly name: string;
  readonly filters: string;
}

const T = RESOURCES.topic;
const G = RESOURCES.group;
const CLUSTER = 'kafka-cluster';
const topic = (operation: AclOperation, resourceName: string = T): Grant => ({
  resourceType: ResourceType.TOPIC,
  resourceName,
  operation,
});
const group = (operation: AclOperation, resourceName: string = G): Grant => ({
  resourceType: ResourceType.GROUP,
  resourceName,
  operation,
});
const TXN = 'every-api-txn';
const txnId = (operation: AclOperation, resourceName: string = TXN): Grant => ({
  resourceType: ResourceType.TRANSACTIONAL_ID,
  resourceName,
  operation,
});
const cluster = (operation: AclOperation): Grant => ({
  resourceType: ResourceType.CLUSTER,
  resourceName: CLUSTER,
  operation,
});

// A filter that matches no ACL the test makes: DeleteAcls granted must not delete the grants.
const nobodysAcls = {
  resourceTypeFilter: ResourceType.ANY,
  resourceNameFilter: null,
  patternTypeFilter: 1,
  principalFilter: 'User:nobody',
  hostFilter: null,
  operation: AclOperation.ANY,
  permissionType: 1,
};

export const API_AUTHORIZATION_RULES: Readonly<Record<number, AuthorizedApi | UnauthorizedApi | FilteringApi>> = {
  0: {
    name: 'Produce',
    version: 7,
    body: {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [
        {
          name: T,
          partitionData: [
            { index: 0, records: buildRecordBatch([{ key: null, value: Buffer.from('v'), timestamp: 0 }]) },
          ],
        },
      ],
    },
    at: 'responses.0.partitionResponses.0.errorCode',
    refused: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    grants: [topic(AclOperation.WRITE)],
    granted: ErrorCode.NONE,
  },
  1: {
    name: 'Fetch',
    version: 11,
    body: {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: T,
          partitions: [
            { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    },
    at: 'responses.0.partitions.0.errorCode',
    refused: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    grants: [topic(AclOperation.READ)],
    granted: ErrorCode.NONE,
  },
  2: {
    name: 'ListOffsets',
    version: 5,
    body: {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: T, partitions: [{ partitionIndex: 0, timestamp: -1 }] }],
    },
    at: 'topics.0.partitions.0.errorCode',
    refused: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    grants: [topic(AclOperation.DESCRIBE)],
    granted: ErrorCode.NONE,
  },
  3: {
    name: 'Metadata',
    version: 9,
    body: { topics: [{ name: T }], allowAutoTopicCreation: false },
    at: 'topics.0.errorCode',
    refused: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    grants: [topic(AclOperation.DESCRIBE)],
    granted: ErrorCode.NONE,
  },
  8: {
    name: 'OffsetCommit',
    version: 8,
    body: {
      groupId: G,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [{ name: T, partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }],
    },
    at: 'topics.0.partitions.0.errorCode',
    refused: ErrorCode.GROUP_AUTHORIZATION_FAILED,
    grants: [group(AclOperation.READ), topic(AclOperation.READ)],
    granted: ErrorCode.NONE,
  },
  9: {
    name: 'OffsetFetch',
    version: 7,
    body: { groupId: G, topics: null },
    at: 'errorCode',
    refused: ErrorCode.GROUP_AUTHORIZATION_FAILED,
    grants: [group(AclOperation.DESCRIBE)],
    granted: ErrorCode.NONE,
  },
  10: {
    name: 'FindCoordinator',
    version: 3,
    body: { key: G, keyType: 0 },
    at: 'errorCode',
    refused: ErrorCode.GROUP_AUTHORIZATION_FAILED,
    grants: [group(AclOperation.DESCRIBE)],
    granted: ErrorCode.NONE,
  },
  11: {
    name: 'JoinGroup',
    version: 5,
    body: {
      groupId: G,
      sessionTimeoutMs: 10000,
      rebalanceTimeoutMs: 10000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    },
    at: 'errorCode',
    refused: ErrorCode.GROUP_AUTHORIZATION_FAILED,
    grants: [group(AclOperation.READ)],
    // From v4 a new member is first given its id and asked to join again with it (KIP-394).
    granted: ErrorCode.MEMBER_ID_REQUIRED,
  },
  12: {
    name: 'Heartbeat',
    version: 3,
    body: { groupId: G, generationId: 1, memberId: 'm', groupInstanceId: null },
    at: 'errorCode',
    refused: ErrorCode.GROUP_AUTHORIZATION_FAILED,
    grants: [group(AclOperation.READ)],
    granted: ErrorCode.UNKNOWN_MEMBER_ID,
  },
  13: {
    name: 'LeaveGroup',
    version: 3,
    body: { groupId: G, members: [{ memberId: 'm', groupInstanceId: null }] },
    at: 'errorCode',
    refused: ErrorCode.GROUP_AUTHORIZATION_FAILED,
    grants: [group(AclOperation.READ)],
    granted: ErrorCode.NONE,
  },
  14: {
    name: 'SyncGroup',
    version: 3,
    body: { groupId: G, generationId: 1, memberId: 'm', groupInstanceId: null, assignments: [] },
    at: 'errorCode',
    refused: ErrorCode.GROUP_AUTHORIZATION_FAILED,
    grants: [group(AclOperation.READ)],
    granted: ErrorCode.UNKNOWN_MEMBER_ID,
  },
  15: {
    name: 'DescribeGroups',
    version: 3,
    body: { groups: [G], includeAuthorizedOperations: false },
    at: 'groups.0.errorCode',
    refused: ErrorCode.GROUP_AUTHORIZATION_FAILED,
    grants: [group(AclOperation.DESCRIBE)],
    granted: ErrorCode.NONE,
  },
  // Not refused: the answer lists only the groups the user may describe.
  16: {
    name: 'ListGroups',
    version: 3,
    body: {},
    at: 'groups.*.groupId',
    refused: [],
    grants: [group(AclOperation.DESCRIBE)],
    granted: [G],
  },
  17: { name: 'SaslHandshake', unauthorized: 'the start of authentication' },
  18: { name: 'ApiVersions', unauthorized: 'sent before authentication, to learn how to authenticate' },
  19: {
    name: 'CreateTopics',
    version: 4,
    body: {
      topics: [{ name: 'every-api-created', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: true,
    },
    at: 'topics.0.errorCode',
    refused: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    grants: [topic(AclOperation.CREATE, 'every-api-created')],
    granted: ErrorCode.NONE,
  },
  20: {
    name: 'DeleteTopics',
    version: 4,
    body: { topicNames: [RESOURCES.doomedTopic], timeoutMs: 5000 },
    at: 'responses.0.errorCode',
    refused: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    grants: [topic(AclOperation.DELETE, RESOURCES.doomedTopic)],
    granted: ErrorCode.NONE,
  },
  21: {
    name: 'DeleteRecords',
    version: 1,
    body: { topics: [{ name: T, partitions: [{ partitionIndex: 0, offset: 0 }] }], timeoutMs: 5000 },
    at: 'topics.0.partitions.0.errorCode',
    refused: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    grants: [topic(AclOperation.DELETE)],
    granted: ErrorCode.NONE,
  },
  // An idempotent producer without a transactional id: IDEMPOTENT_WRITE on the cluster (or WRITE
  // on some topic, tested in acls-sasl.test.ts).
  22: {
    name: 'InitProducerId',
    version: 2,
    body: { transactionalId: null, transactionTimeoutMs: -1 },
    at: 'errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.IDEMPOTENT_WRITE)],
    granted: ErrorCode.NONE,
  },
  23: {
    name: 'OffsetForLeaderEpoch',
    version: 3,
    body: {
      replicaId: -1,
      topics: [{ topic: T, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }],
    },
    at: 'topics.0.partitions.0.errorCode',
    refused: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    grants: [topic(AclOperation.DESCRIBE)],
    granted: ErrorCode.NONE,
  },
  29: {
    name: 'DescribeAcls',
    version: 1,
    body: {
      resourceTypeFilter: ResourceType.ANY,
      resourceNameFilter: null,
      patternTypeFilter: 1,
      principalFilter: null,
      hostFilter: null,
      operation: AclOperation.ANY,
      permissionType: 1,
    },
    at: 'errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.DESCRIBE)],
    granted: ErrorCode.NONE,
  },
  30: {
    name: 'CreateAcls',
    version: 1,
    body: {
      creations: [
        {
          resourceType: ResourceType.TOPIC,
          resourceName: 'nothing',
          resourcePatternType: 3,
          principal: 'User:nobody',
          host: '*',
          operation: AclOperation.READ,
          permissionType: 2,
        },
      ],
    },
    at: 'results.0.errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.ALTER)],
    granted: ErrorCode.NONE,
  },
  31: {
    name: 'DeleteAcls',
    version: 1,
    body: { filters: [nobodysAcls] },
    at: 'filterResults.0.errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.ALTER)],
    granted: ErrorCode.NONE,
  },
  32: {
    name: 'DescribeConfigs',
    version: 3,
    body: {
      resources: [
        { resourceType: 2, resourceName: T, configurationKeys: null },
        { resourceType: 4, resourceName: '1', configurationKeys: null },
      ],
      includeSynonyms: false,
      includeDocumentation: false,
    },
    at: 'results.*.errorCode',
    refused: [ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED],
    grants: [topic(AclOperation.DESCRIBE_CONFIGS), cluster(AclOperation.DESCRIBE_CONFIGS)],
    granted: [ErrorCode.NONE, ErrorCode.NONE],
  },
  33: {
    name: 'AlterConfigs',
    version: 1,
    body: { resources: [{ resourceType: 2, resourceName: T, configs: [] }], validateOnly: true },
    at: 'responses.0.errorCode',
    refused: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    grants: [topic(AclOperation.ALTER_CONFIGS)],
    granted: ErrorCode.NONE,
  },
  36: { name: 'SaslAuthenticate', unauthorized: 'authentication itself' },
  37: {
    name: 'CreatePartitions',
    version: 1,
    body: { topics: [{ name: T, count: 2, assignments: null }], timeoutMs: 5000, validateOnly: true },
    at: 'results.0.errorCode',
    refused: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    grants: [topic(AclOperation.ALTER)],
    granted: ErrorCode.NONE,
  },
  42: {
    name: 'DeleteGroups',
    version: 1,
    body: { groupsNames: [RESOURCES.doomedGroup] },
    at: 'results.0.errorCode',
    refused: ErrorCode.GROUP_AUTHORIZATION_FAILED,
    grants: [group(AclOperation.DELETE, RESOURCES.doomedGroup)],
    granted: ErrorCode.NONE,
  },
  43: {
    name: 'ElectLeaders',
    version: 1,
    body: { electionType: 0, topicPartitions: [{ topic: T, partitions: [0] }], timeoutMs: 5000 },
    at: 'replicaElectionResults.0.partitionResult.0.errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.ALTER)],
    // One node: the partition's preferred replica leads it already.
    granted: ErrorCode.ELECTION_NOT_NEEDED,
  },
  44: {
    name: 'IncrementalAlterConfigs',
    version: 0,
    body: { resources: [{ resourceType: 2, resourceName: T, configs: [] }], validateOnly: true },
    at: 'responses.0.errorCode',
    refused: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    grants: [topic(AclOperation.ALTER_CONFIGS)],
    granted: ErrorCode.NONE,
  },
  45: {
    name: 'AlterPartitionReassignments',
    version: 0,
    // Cancels a reassignment that is not under way: the partition answers NO_REASSIGNMENT_IN_PROGRESS.
    body: { timeoutMs: 5000, topics: [{ name: T, partitions: [{ partitionIndex: 0, replicas: null }] }] },
    at: 'errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.ALTER)],
    granted: ErrorCode.NONE,
  },
  46: {
    name: 'ListPartitionReassignments',
    version: 0,
    body: { timeoutMs: 5000, topics: null },
    at: 'errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.DESCRIBE)],
    granted: ErrorCode.NONE,
  },
  64: {
    name: 'UnregisterBroker',
    version: 0,
    // A broker id nobody registered: decommissioning the test's own node would stop placement.
    body: { brokerId: 999 },
    at: 'errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.ALTER)],
    granted: ErrorCode.BROKER_NOT_AVAILABLE,
  },
  47: {
    name: 'OffsetDelete',
    version: 0,
    body: { groupId: RESOURCES.offsetsGroup, topics: [{ name: T, partitions: [{ partitionIndex: 0 }] }] },
    // A group refused answers no partitions; a topic refused answers TOPIC_AUTHORIZATION_FAILED for it.
    at: 'errorCode',
    refused: ErrorCode.GROUP_AUTHORIZATION_FAILED,
    grants: [group(AclOperation.DELETE, RESOURCES.offsetsGroup), topic(AclOperation.READ)],
    granted: ErrorCode.NONE,
  },
  48: {
    name: 'DescribeClientQuotas',
    version: 0,
    body: { components: [], strict: false },
    at: 'errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.DESCRIBE_CONFIGS)],
    granted: ErrorCode.NONE,
  },
  49: {
    name: 'AlterClientQuotas',
    version: 0,
    body: {
      entries: [
        {
          entity: [{ entityType: 'user', entityName: 'carol' }],
          ops: [{ key: 'producer_byte_rate', value: 1e9, remove: false }],
        },
      ],
      validateOnly: true,
    },
    at: 'entries.0.errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.ALTER_CONFIGS)],
    granted: ErrorCode.NONE,
  },
  50: {
    name: 'DescribeUserScramCredentials',
    version: 0,
    body: { users: null },
    at: 'errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.DESCRIBE)],
    granted: ErrorCode.NONE,
  },
  51: {
    name: 'AlterUserScramCredentials',
    version: 0,
    body: { deletions: [{ name: 'nobody', mechanism: 1 }], upsertions: [] },
    at: 'results.0.errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.ALTER)],
    granted: ErrorCode.RESOURCE_NOT_FOUND,
  },
  24: {
    name: 'AddPartitionsToTxn',
    version: 3,
    body: {
      transactions: [],
      v3AndBelowTransactionalId: TXN,
      v3AndBelowProducerId: 1,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [{ name: T, partitions: [0] }],
    },
    at: 'resultsByTopicV3AndBelow.0.resultsByPartition.0.partitionErrorCode',
    refused: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    grants: [txnId(AclOperation.WRITE), topic(AclOperation.WRITE)],
    granted: ANY_BUT_REFUSED,
  },
  25: {
    name: 'AddOffsetsToTxn',
    version: 3,
    body: { transactionalId: TXN, producerId: 1, producerEpoch: 0, groupId: G },
    at: 'errorCode',
    refused: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    grants: [txnId(AclOperation.WRITE), group(AclOperation.READ)],
    granted: ANY_BUT_REFUSED,
  },
  26: {
    name: 'EndTxn',
    version: 3,
    body: { transactionalId: TXN, producerId: 1, producerEpoch: 0, committed: false },
    at: 'errorCode',
    refused: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    grants: [txnId(AclOperation.WRITE)],
    granted: ANY_BUT_REFUSED,
  },
  27: {
    name: 'WriteTxnMarkers',
    version: 1,
    body: {
      markers: [
        {
          producerId: 999_999,
          producerEpoch: 0,
          transactionResult: false,
          topics: [{ name: 'every-api-no-such-topic', partitionIndexes: [0] }],
          coordinatorEpoch: 0,
        },
      ],
    },
    at: 'markers.0.topics.0.partitions.0.errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.CLUSTER_ACTION)],
    granted: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  },
  28: {
    name: 'TxnOffsetCommit',
    version: 3,
    body: {
      transactionalId: TXN,
      groupId: G,
      producerId: 1,
      producerEpoch: 0,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: T,
          partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }],
        },
      ],
    },
    at: 'topics.0.partitions.0.errorCode',
    refused: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    grants: [txnId(AclOperation.WRITE), group(AclOperation.READ), topic(AclOperation.READ)],
    granted: ANY_BUT_REFUSED,
  },
  61: {
    name: 'DescribeProducers',
    version: 0,
    body: { topics: [{ name: T, partitionIndexes: [0] }] },
    at: 'topics.0.partitions.0.errorCode',
    refused: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    grants: [topic(AclOperation.READ)],
    granted: ErrorCode.NONE,
  },
  65: {
    name: 'DescribeTransactions',
    version: 0,
    body: { transactionalIds: [TXN] },
    at: 'transactionStates.0.errorCode',
    refused: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    grants: [txnId(AclOperation.DESCRIBE)],
    granted: ANY_BUT_REFUSED,
  },
  66: {
    name: 'ListTransactions',
    filters: 'lists only the transactional ids the principal may DESCRIBE (as Kafka does)',
  },
  55: {
    name: 'DescribeQuorum',
    version: 2,
    body: { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] },
    at: 'errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.DESCRIBE)],
    granted: ErrorCode.NONE,
  },
  80: {
    name: 'AddRaftVoter',
    version: 1,
    body: {
      clusterId: null,
      timeoutMs: 1000,
      voterId: 1,
      voterDirectoryId: '00000000-0000-0000-0000-000000000000',
      listeners: [],
      ackWhenCommitted: true,
    },
    at: 'errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.ALTER)],
    // One node: node 1 is the voter already.
    granted: ErrorCode.DUPLICATE_VOTER,
  },
  81: {
    name: 'RemoveRaftVoter',
    version: 0,
    body: { clusterId: null, voterId: 99, voterDirectoryId: '00000000-0000-0000-0000-000000000000' },
    at: 'errorCode',
    refused: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    grants: [cluster(AclOperation.ALTER)],
    granted: ErrorCode.VOTER_NOT_FOUND,
  },
};

/** The value at a dotted path of a decoded response ('topics.0.errorCode'; '*' maps over an array). */
export function dig(value: unknown, path: string): unknown {
  const [head, ...rest] = path.split('.');
  if (head === undefined || head === '') return value;
  if (head === '*') return (value as unknown[]).map((item) => dig(item, rest.join('.')));
  return dig((value as Record<string, unknown>)[head], rest.join('.'));
}
