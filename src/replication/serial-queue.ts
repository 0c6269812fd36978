// Runs a replica's state changes one at a time (follower appends, seals, role changes): each sees
// the log as the previous one left it. Bounded: beyond `depthMax` queued tasks new ones are refused
// (the leader resends what is lost).
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private depth = 0;

  constructor(private readonly depthMax: number) {}

  get pending(): number {
    return this.depth;
  }

  run<T>(task: () => Promise<T> | T): Promise<T> {
    if (this.depth >= this.depthMax) return Promise.reject(new QueueFullError(`${this.depth} tasks queued`));
    this.depth++;
    const result = this.tail.then(() => task()).finally(() => this.depth--);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
