// The metadata log of a single-node cluster: records are appended to LevelDB with sync writes and
// applied at once. It keeps the same contract as the Raft-replicated log so the rest of the node
// does not know the difference.
import { ClassicLevel } from 'classic-level';
import { assert } from '../common/assert.js';
import type { Logger } from '../common/log.js';
import type { MetadataListener, MetadataLog } from './log.js';
import { decodeRecord, encodeRecord, type MetadataRecord } from './records.js';
import { MetadataState } from './state.js';

const INDEX_DIGITS = 20;

function entryKey(index: number): string {
  return `entry:${String(index).padStart(INDEX_DIGITS, '0')}`;
}

export class LocalMetadataLog implements MetadataLog {
  readonly state = new MetadataState();
  readonly isController = true;
  private readonly listeners: MetadataListener[] = [];
  private lastIndex = 0;
  private tail: Promise<void> = Promise.resolve();

  private constructor(
    private readonly db: ClassicLevel<string, Uint8Array>,
    readonly controllerId: number,
    private readonly log: Logger,
  ) {}

  static async open(dir: string, nodeId: number, log: Logger): Promise<LocalMetadataLog> {
    const db = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: 'view' });
    await db.open();
    const metadata = new LocalMetadataLog(db, nodeId, log);
    await metadata.replay();
    return metadata;
  }

  private async replay(): Promise<void> {
    let count = 0;
    for await (const [key, value] of this.db.iterator({ gte: 'entry:', lt: 'entry;' })) {
      const index = Number(key.slice('entry:'.length));
      assert(index === this.lastIndex + 1, `metadata log has a gap before ${index}`);
      this.lastIndex = index;
      this.state.apply(decodeRecord(value));
      count++;
    }
    this.log.info({ records: count }, 'metadata log replayed');
  }

  propose(records: readonly MetadataRecord[]): Promise<void> {
    // Serialize proposals so records are applied in exactly the order they were made durable.
    const run = this.tail.then(() => this.append(records));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async append(records: readonly MetadataRecord[]): Promise<void> {
    const batch = this.db.batch();
    let index = this.lastIndex;
    for (const record of records) batch.put(entryKey(++index), encodeRecord(record));
    await batch.write({ sync: true });
    this.lastIndex = index;
    for (const record of records) {
      const change = this.state.apply(record);
      if (change) for (const listener of this.listeners) listener(change);
    }
  }

  barrier(): Promise<void> {
    return this.tail;
  }

  onChange(listener: MetadataListener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    await this.tail;
    await this.db.close();
  }
}
