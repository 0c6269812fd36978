// Partitions whose named leader asked the controller for a new epoch (RequestElection, from any
// broker, this one included): it led that epoch before a restart, or a failover that did not
// finish sealed it above the epoch. The replication service fills it; the controller's
// PartitionElections reads it. It is its own object because each of those two is built with the
// other's neighbour: the elections seal through the replication client, which answers this
// node's own RequestElection through the service.
const REQUESTED_ELECTIONS_MAX = 100_000;

export class ElectionRequests {
  /** `topicId:partition` -> the leader epoch its leader cannot take. */
  private readonly epochs = new Map<string, number>();

  /**
   * The leader of `leaderEpoch` cannot take it: elect again, that replica included. Ignored once
   * the partition has moved past that epoch (see PartitionElections).
   */
  add(topicId: string, partition: number, leaderEpoch: number): void {
    if (this.epochs.size >= REQUESTED_ELECTIONS_MAX) return;
    this.epochs.set(`${topicId}:${partition}`, leaderEpoch);
  }

  /** The epoch asked about for the partition, if any. */
  epochOf(topicId: string, partition: number): number | undefined {
    return this.epochs.get(`${topicId}:${partition}`);
  }

  forget(topicId: string, partition: number): void {
    this.epochs.delete(`${topicId}:${partition}`);
  }

  /** `topicId:partition` -> the epoch whose leader reports every learner caught up. */
  private readonly caughtUp = new Map<string, number>();

  /** The leader of `leaderEpoch` has every learner of the partition's reassignment caught up. */
  addCaughtUp(topicId: string, partition: number, leaderEpoch: number): void {
    if (this.caughtUp.size >= REQUESTED_ELECTIONS_MAX) return;
    this.caughtUp.set(`${topicId}:${partition}`, leaderEpoch);
  }

  caughtUpEpochOf(topicId: string, partition: number): number | undefined {
    return this.caughtUp.get(`${topicId}:${partition}`);
  }

  forgetCaughtUp(topicId: string, partition: number): void {
    this.caughtUp.delete(`${topicId}:${partition}`);
  }
}
