// Hands out producer ids for idempotent producers. Ids come in blocks reserved through the
// metadata log, so no id is ever given twice, across restarts and across nodes.
export class ProducerIdAllocator {
  private next = 0;
  private end = 0;
  private pending: Promise<void> | null = null;

  constructor(
    private readonly nodeId: number,
    private readonly reserve: (nodeId: number) => Promise<{ first: number; count: number }>,
  ) {}

  async allocate(): Promise<number> {
    while (this.next >= this.end) {
      this.pending ??= this.reserve(this.nodeId)
        .then(({ first, count }) => {
          this.next = first;
          this.end = first + count;
        })
        .finally(() => {
          this.pending = null;
        });
      await this.pending;
    }
    return this.next++;
  }
}
