// One change at a time to a log's set of segment files. The cleaner's swap (renames and unlinks
// over several directory fsyncs) must not interleave with retention, DeleteRecords or a
// truncation deleting segments by name, nor with close: each runs its file changes inside
// `run`, in call order. Appends, rolls and reads never take it.
export class StructureLock {
  private tail: Promise<void> = Promise.resolve();

  run<T>(change: () => Promise<T>): Promise<T> {
    const result = this.tail.then(change);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
