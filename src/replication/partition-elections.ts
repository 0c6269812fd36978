// Partition leader elections, run by the controller (docs/architecture.md):
//   1. choose epoch e+1 and send Seal(e+1) to the partition's unfenced replicas; each persists it and
//      from then on refuses epoch e, answering with its last epoch and durable log end;
//   2. with R accepted answers from candidate replicas, pick the greatest (last epoch, log end),
//      the preferred replica on a tie, and commit PartitionChange(leader, e+1) in Raft;
//   3. with fewer than R answers the partition stays unavailable (no unclean election) and the
//      election is retried later, when replicas come back.
// Elections start when a leader is fenced or unregistered, and for every leadership of a broker
// that asks for a controlled shutdown (which is then not a candidate).
// It lives in replication, not metadata: sealing and choosing a leader are the replication
// protocol's steps (docs/architecture.md); metadata only records the outcome and asks for drains
// (LeadershipDrain, which this implements).
import { type Clock, ErrorCode, type Logger, resolveQuorums, type ScheduledTask } from '../common/index.js';
import {
  hostingReplicas,
  type ElectionOutcome,
  type ElectionType,
  type LeadershipDrain,
  type MetadataLog,
  type PartitionInfo,
  type TopicInfo,
} from '../metadata/index.js';
import type { ElectionRequests } from './election-requests.js';
import { chooseLeader, preferredCanLead, reassignmentLeader, type SealResponse } from './protocol/index.js';

/** Sends Seal to a replica (gRPC, or a direct call for this node). */
export interface SealClient {
  seal(
    nodeId: number,
    request: { topic: string; topicId: string; partition: number; epoch: number },
    timeoutMs: number,
  ): Promise<SealResponse>;
}

const SCAN_INTERVAL_MS = 50;
const SEAL_TIMEOUT_MS = 1_000;
const RETRY_BACKOFF_MS = 200;
const CONCURRENT_ELECTIONS_MAX = 64;
/** How long an ElectLeaders request waits for an election already under way on its partition. */
const ELECT_LEADER_TIMEOUT_MS = 5_000;
/** After a reassignment's switch found too few complete replicas, before it is tried again. */
const REASSIGN_RETRY_MS = 1_000;

/**
 * failover: the leader is gone, draining or asked; reassign: the leader reports every learner of
 * the partition's reassignment caught up, and the partition switches to its target replicas in the
 * new epoch if the seal answers allow it (reassignmentLeader); otherwise an ElectLeaders request
 * (preferred: leadership to the first replica; unclean: any live replica even with fewer answers
 * than the read quorum, so acknowledged writes may be lost — only when asked).
 */
type ElectionKind = 'failover' | 'reassign' | ElectionType;

interface Attempt {
  readonly key: string;
  readonly topic: TopicInfo;
  readonly partition: PartitionInfo;
  readonly excluded: number | null;
  readonly kind: ElectionKind;
}

export class PartitionElections implements LeadershipDrain {
  private readonly running = new Set<string>();
  private readonly retryAfterMs = new Map<string, number>();
  /** Brokers whose leaderships are being moved away (controlled shutdown). */
  private readonly draining = new Set<number>();
  private readonly timer: ScheduledTask;

  constructor(
    private readonly metadata: MetadataLog,
    private readonly sealClient: SealClient,
    /** Partitions whose named leader asked for a new epoch, because it cannot take its own. */
    private readonly requested: ElectionRequests,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.timer = clock.every(SCAN_INTERVAL_MS, () => this.scan());
  }

  /** Moves every leadership away from `nodeId`; resolves when none is left or after `timeoutMs`. */
  async drain(nodeId: number, timeoutMs: number): Promise<number> {
    this.draining.add(nodeId);
    const deadline = this.clock.now() + timeoutMs;
    try {
      for (;;) {
        this.scan();
        const remaining = this.ledBy(nodeId);
        if (remaining === 0 || this.clock.now() >= deadline) return remaining;
        await new Promise<void>((r) => this.clock.schedule(SCAN_INTERVAL_MS, r));
      }
    } finally {
      this.draining.delete(nodeId);
    }
  }

  /**
   * Leaderships of `nodeId` that can move: those with at least R other live replicas. The others
   * stay until the node is fenced; waiting for them would only delay its shutdown.
   */
  private ledBy(nodeId: number): number {
    const live = new Set(this.metadata.state.brokers.filter((b) => !b.fenced).map((b) => b.nodeId));
    let count = 0;
    for (const topic of this.metadata.state.topics) {
      for (const p of topic.partitions) {
        if (p.leader !== nodeId) continue;
        const { readQuorum } = resolveQuorums(p.replicas.length, topic.settings);
        if (p.replicas.filter((r) => r !== nodeId && live.has(r)).length >= readQuorum) count++;
      }
    }
    return count;
  }

  /** Partitions that need a new leader now. */
  private wanted(): Attempt[] {
    const now = this.clock.now();
    const out: Attempt[] = [];
    for (const topic of this.metadata.state.topics) {
      for (const partition of topic.partitions) {
        const leader = this.metadata.state.broker(partition.leader);
        const leaderDown = !leader || leader.fenced;
        const moving = this.draining.has(partition.leader);
        const key = `${topic.topicId}:${partition.partition}`;
        const requested = this.requested.epochOf(topic.topicId, partition.partition);
        if (requested !== undefined && requested !== partition.leaderEpoch)
          this.requested.forget(topic.topicId, partition.partition);
        const asked = requested === partition.leaderEpoch;
        const caughtUp = this.requested.caughtUpEpochOf(topic.topicId, partition.partition);
        if (caughtUp !== undefined && (caughtUp !== partition.leaderEpoch || !partition.targetReplicas))
          this.requested.forgetCaughtUp(topic.topicId, partition.partition);
        const switchable = caughtUp === partition.leaderEpoch && partition.targetReplicas !== undefined;
        if (!leaderDown && !moving && !asked && !switchable) continue;
        if (this.running.has(key)) continue;
        if ((this.retryAfterMs.get(key) ?? 0) > now && !moving) continue;
        const failover = leaderDown || moving || asked;
        out.push({
          key,
          topic,
          partition,
          excluded: leaderDown || moving ? partition.leader : null,
          kind: failover ? 'failover' : 'reassign',
        });
      }
    }
    return out;
  }

  private scan(): void {
    if (!this.metadata.isController) return;
    for (const attempt of this.wanted()) {
      if (this.running.size >= CONCURRENT_ELECTIONS_MAX) break;
      this.running.add(attempt.key);
      this.elect(attempt)
        .catch((err: unknown) => {
          this.log.warn(
            { err: (err as Error).message, topic: attempt.topic.name, partition: attempt.partition.partition },
            'partition election failed',
          );
          this.retryAfterMs.set(attempt.key, this.clock.now() + RETRY_BACKOFF_MS);
        })
        .finally(() => this.running.delete(attempt.key));
    }
  }

  /**
   * ElectLeaders for one partition: a preferred election moves leadership to the first replica when
   * it is live and holds every acknowledged write; an unclean one elects any live replica of a
   * partition whose leader is down. Runs on the controller.
   */
  async electLeader(topicId: string, partitionIndex: number, kind: ElectionType): Promise<ElectionOutcome> {
    const outcome = (errorCode: ErrorCode, message: string | null = null): ElectionOutcome => ({ errorCode, message });
    const deadline = this.clock.now() + ELECT_LEADER_TIMEOUT_MS;
    for (;;) {
      if (!this.metadata.isController)
        return outcome(ErrorCode.NOT_CONTROLLER, 'this node is no longer the controller');
      const topic = this.metadata.state.topicById(topicId);
      const partition = topic?.partitions[partitionIndex];
      if (!topic || !partition) return outcome(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const live = (id: number): boolean => this.metadata.state.broker(id)?.fenced === false;
      const preferred = partition.replicas[0]!;
      const leaderLive = live(partition.leader);
      if (kind === 'preferred' && partition.leader === preferred && leaderLive) {
        return outcome(ErrorCode.ELECTION_NOT_NEEDED, `replica ${preferred} already leads`);
      }
      if (kind === 'preferred' && !live(preferred)) {
        return outcome(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, `preferred replica ${preferred} is not live`);
      }
      if (kind === 'unclean' && leaderLive) {
        return outcome(ErrorCode.ELECTION_NOT_NEEDED, `leader ${partition.leader} is live`);
      }
      const key = `${topic.topicId}:${partition.partition}`;
      if (this.running.has(key)) {
        // A failover or another request is under way: answer on the state it leaves.
        if (this.clock.now() >= deadline) return outcome(ErrorCode.REQUEST_TIMED_OUT, 'an election is under way');
        await new Promise<void>((r) => this.clock.schedule(SCAN_INTERVAL_MS, r));
        continue;
      }
      this.running.add(key);
      let leader: number | null;
      try {
        leader = await this.elect({ key, topic, partition, excluded: leaderLive ? null : partition.leader, kind });
      } finally {
        this.running.delete(key);
      }
      if (leader === null) return outcome(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, 'too few replicas answered');
      if (kind === 'preferred' && leader !== preferred) {
        return outcome(
          ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
          `preferred replica ${preferred} does not hold every acknowledged write yet; replica ${leader} leads`,
        );
      }
      return outcome(ErrorCode.NONE);
    }
  }

  /** Runs one election; resolves with the leader it committed, or null when it committed none. */
  private async elect({ key, topic, partition, excluded, kind }: Attempt): Promise<number | null> {
    const { readQuorum: configuredQuorum } = resolveQuorums(partition.replicas.length, topic.settings);
    // An unclean election takes any single answer: it may lose acknowledged writes, as asked.
    const readQuorum = kind === 'unclean' ? 1 : configuredQuorum;
    const epoch = partition.leaderEpoch + 1;
    // Seal every unfenced replica, the outgoing leader too when it is alive (it must stop taking
    // writes of the old epoch); only candidates' answers count toward the read quorum. Any R
    // answers suffice (every R-set meets every W-set), so the choice is made as soon as R
    // candidates accepted, without waiting for a slow or unreachable replica.
    // A reassignment's switch seals the learners too: their answers say whether they can join.
    const sealed = kind === 'reassign' ? hostingReplicas(partition) : partition.replicas;
    const targets = sealed.filter((r) => this.metadata.state.broker(r)?.fenced === false);
    // A preferred election or a switch waits for every answer: it needs the outgoing leader's and
    // those of the replicas it may hand over to, not only the first R.
    const answers = await this.collectSeals(
      targets,
      excluded,
      kind === 'preferred' || kind === 'reassign' ? Number.POSITIVE_INFINITY : readQuorum,
      { topic: topic.name, topicId: topic.topicId, partition: partition.partition, epoch },
    );
    const answered = answers.filter((a): a is SealResponse => a !== null && a.replicaId !== excluded);
    const switchTo = kind === 'reassign' ? this.switchLeader(topic, partition, answered, epoch) : null;
    // Learners count in no read quorum and never lead within the current replicas.
    const candidates = answered.filter((a) => partition.replicas.includes(a.replicaId));
    const leader = switchTo ?? this.choose(kind, partition, candidates, readQuorum, excluded, epoch);
    if (leader === null) {
      const accepted = candidates.filter((a) => a.accepted && a.sealedEpoch === epoch).length;
      this.log.warn(
        { topic: topic.name, partition: partition.partition, epoch, answered: accepted, readQuorum },
        'partition unavailable: fewer replicas answered than its read quorum',
      );
      this.retryAfterMs.set(key, this.clock.now() + RETRY_BACKOFF_MS);
      return null;
    }
    // The partition may have changed while sealing (another election, deletion): decide again later.
    const current = this.metadata.state.topicById(topic.topicId)?.partitions[partition.partition];
    if (!current || current.leaderEpoch !== partition.leaderEpoch || !this.metadata.isController) {
      // Its seals stand: a leader they depose asks for a new election (Replica, DEPOSED_ELECTION_GRACE_MS).
      this.log.info(
        { topic: topic.name, partition: partition.partition, epoch, kind, nowEpoch: current?.leaderEpoch ?? null },
        'election dropped: the partition changed or this node stopped being the controller while it sealed',
      );
      return null;
    }
    const target = partition.targetReplicas;
    const switching = switchTo !== null && target !== undefined && sameList(current.targetReplicas, target);
    if (switchTo !== null && !switching) {
      // The reassignment was cancelled or replaced while sealing: elect within the replicas.
      const within = this.choose('failover', partition, candidates, readQuorum, excluded, epoch);
      if (within === null) return null;
      return this.commit(topic, partition, key, within, epoch, 'failover', null);
    }
    if (kind === 'reassign' && !switching) {
      this.retryAfterMs.set(key, this.clock.now() + REASSIGN_RETRY_MS);
      this.log.info(
        { topic: topic.name, partition: partition.partition, epoch },
        'reassignment: too few target replicas hold every acknowledged write yet; the leader is elected again',
      );
    }
    return this.commit(topic, partition, key, leader, epoch, kind, switching ? target : null);
  }

  private async commit(
    topic: TopicInfo,
    partition: PartitionInfo,
    key: string,
    leader: number,
    epoch: number,
    kind: ElectionKind,
    replicas: readonly number[] | null,
  ): Promise<number> {
    await this.metadata.propose([
      {
        type: 'PartitionChange',
        topicId: topic.topicId,
        partition: partition.partition,
        leader,
        leaderEpoch: epoch,
        ...(replicas !== null ? { replicas } : {}),
      },
    ]);
    if (kind !== 'reassign') this.retryAfterMs.delete(key);
    this.requested.forget(topic.topicId, partition.partition);
    this.requested.forgetCaughtUp(topic.topicId, partition.partition);
    this.log.info(
      { topic: topic.name, partition: partition.partition, leader, epoch, previous: partition.leader, kind },
      replicas !== null ? `partition reassigned to [${replicas.join(',')}]` : 'partition leader elected',
    );
    return leader;
  }

  /** The leader of the target replicas when the answers allow the switch now (reassignmentLeader). */
  private switchLeader(
    topic: TopicInfo,
    partition: PartitionInfo,
    answers: readonly SealResponse[],
    epoch: number,
  ): number | null {
    const target = partition.targetReplicas;
    if (target === undefined) return null;
    let readQuorum: number;
    try {
      readQuorum = resolveQuorums(target.length, topic.settings).readQuorum;
    } catch {
      return null; // the topic's quorums changed and no longer fit the target: it waits
    }
    return reassignmentLeader(answers, partition.leader, partition.leaderEpoch, target, readQuorum, epoch);
  }

  /**
   * The leader of `epoch` from the candidates' answers: the preferred replica when a preferred
   * election may hand it over (preferredCanLead), else the most complete answer of R.
   */
  private choose(
    kind: ElectionKind,
    partition: PartitionInfo,
    candidates: readonly SealResponse[],
    readQuorum: number,
    excluded: number | null,
    epoch: number,
  ): number | null {
    const preferred = partition.replicas[0]!;
    if (kind === 'preferred' && preferredCanLead(candidates, partition.leader, partition.leaderEpoch, preferred, epoch))
      return preferred;
    return chooseLeader(candidates, readQuorum, preferred === excluded ? -1 : preferred, epoch);
  }

  /** Seals `targets` in parallel; resolves once `readQuorum` candidates accepted, or all answered. */
  private collectSeals(
    targets: readonly number[],
    excluded: number | null,
    readQuorum: number,
    request: { topic: string; topicId: string; partition: number; epoch: number },
  ): Promise<(SealResponse | null)[]> {
    return new Promise((resolve) => {
      const answers: (SealResponse | null)[] = [];
      let accepted = 0;
      let pending = targets.length;
      if (pending === 0) resolve(answers);
      for (const nodeId of targets) {
        void this.sealClient
          .seal(nodeId, request, SEAL_TIMEOUT_MS)
          .catch((err: unknown) => {
            this.log.debug(
              { err: (err as Error).message, nodeId, topic: request.topic, partition: request.partition },
              'seal failed',
            );
            return null;
          })
          .then((answer) => {
            answers.push(answer);
            if (answer && answer.accepted && answer.sealedEpoch === request.epoch && answer.replicaId !== excluded)
              accepted++;
            pending--;
            if (accepted >= readQuorum || pending === 0) resolve([...answers]);
          });
      }
    });
  }

  close(): void {
    this.timer.cancel();
  }
}

function sameList(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}
