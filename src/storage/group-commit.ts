// Group commit: many callers, few fsyncs. `request()` resolves once a sync that started after the
// caller's change has completed. While one sync runs, every later caller waits for the next one,
// which then covers all of them. Changes are counted by a generation number the owner bumps.
export interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class GroupCommit {
  private durableGeneration = 0;
  private inflight: { generation: number; promise: Promise<void> } | null = null;
  private queued: Deferred | null = null;

  /**
   * @param currentGeneration the owner's change counter, read when a caller arrives and when a sync starts
   * @param syncOnce makes durable everything changed up to the moment it is called (it must capture
   *   what to sync synchronously, before its first await)
   */
  constructor(
    private readonly currentGeneration: () => number,
    private readonly syncOnce: () => Promise<void>,
  ) {}

  get busy(): boolean {
    return this.inflight !== null || this.queued !== null;
  }

  request(): Promise<void> {
    const target = this.currentGeneration();
    if (this.durableGeneration >= target) return Promise.resolve();
    if (this.inflight) {
      if (this.inflight.generation >= target) return this.inflight.promise;
      this.queued ??= deferred();
      return this.queued.promise;
    }
    return this.start();
  }

  /** Waits until no sync is running or queued (bounded: the owner stops new changes first). */
  async idle(): Promise<void> {
    for (let i = 0; i < 1000 && this.busy; i++) {
      await (this.inflight?.promise ?? this.queued?.promise)?.catch(() => undefined);
    }
  }

  private start(): Promise<void> {
    const generation = this.currentGeneration();
    const promise = this.syncOnce()
      .then(() => {
        if (generation > this.durableGeneration) this.durableGeneration = generation;
      })
      .finally(() => {
        this.inflight = null;
        const queued = this.queued;
        this.queued = null;
        if (queued) this.request().then(queued.resolve, queued.reject);
      });
    this.inflight = { generation, promise };
    return promise;
  }
}
