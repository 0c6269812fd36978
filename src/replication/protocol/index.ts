// The pure core of partition replication (docs/architecture.md): wire messages, the leader's and the
// follower's state machines, the high-watermark rule, sealing and leader choice. No I/O, timers,
// promises or randomness: the shell (gRPC, PartitionLog, flush policy) drives it with events and
// performs the actions it returns; the simulation (test/sim/replication) drives it the same way.
export {
  NO_EPOCH,
  NO_OFFSET,
  AppendError,
  type BatchInfo,
  type AppendRequest,
  type AppendResponse,
  type DivergenceQuery,
  type DivergenceAnswer,
  type SealRequest,
  type SealResponse,
} from './messages.js';
export {
  type EpochEntry,
  type ReplicaLogView,
  lastEpochOf,
  epochAt,
  entryFor,
  hasEpochStart,
  endOffsetForEpoch,
  floorAndNextStart,
  assertCheckpointShape,
} from './log-view.js';
export { answerDivergence, divergenceStep, type DivergenceStep, type LogFacts } from './divergence.js';
export { quorumDurableOffset, nextHighWatermark, type QuorumMember } from './high-watermark.js';
export {
  type ReplicationLimits,
  DEFAULT_REPLICATION_LIMITS,
  resolveLimits,
  quorumsAreSafe,
  validateQuorums,
} from './config.js';
export { seal, chooseLeader, preferredCanLead, reassignmentLeader, type SealDecision } from './seal.js';
export { FollowerCore, FollowerActionType, type FollowerAction } from './follower.js';
export {
  LeaderCore,
  buildAppendRequest,
  type LeaderCoreOptions,
  type AppendPlan,
  type ResponseOutcome,
} from './leader.js';
export { ProgressMode, type ProgressStatus } from './progress.js';
