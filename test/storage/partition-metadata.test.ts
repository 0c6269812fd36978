// partition.metadata: each partition directory records the topic incarnation (topic id) its log
// belongs to, so a log left by a deleted topic is never reused by a new topic of the same name.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { LogManager, decodeRecords, nodeDisk, splitBatches } from '../../src/storage/index.js';
import {
  PARTITION_METADATA_FILE,
  formatPartitionMetadata,
  parsePartitionMetadata,
  readPartitionMetadata,
} from '../../src/storage/partition-metadata.js';
import { batch, readAll, tempDir } from './helpers.js';

const OLD_ID = '5b0e0f4e-9c55-4f0e-8f55-3c1d3b1b0a01';
const NEW_ID = 'c2a4d1f0-1e7b-4a34-9a11-6f0c8f3a7e02';

function metadataFile(dataDir: string, topic: string, partition: number): string {
  return path.join(dataDir, 'topics', `${topic}-${partition}`, PARTITION_METADATA_FILE);
}

function valuesOf(bytes: Buffer): string[] {
  return splitBatches(bytes).flatMap((b) => decodeRecords(b).map((r) => r.value?.toString() ?? ''));
}

/** Writes `count` records tagged `tag` into a fresh data dir's `orders-0` under `topicId`, then closes. */
async function seed(dataDir: string, topicId: string | undefined, tag: string, count: number): Promise<void> {
  const manager = await LogManager.open(dataDir, silentLogger);
  const log = await manager.getOrCreate('orders', 0, {}, topicId);
  log.appendAsLeader([batch(tag, count)], 3);
  await log.flush();
  await manager.closeAll();
}

describe('partition metadata file format', () => {
  it('round-trips and refuses torn, garbled and unknown-version text', () => {
    expect(formatPartitionMetadata(NEW_ID)).toBe(`version: 0\ntopic_id: ${NEW_ID}\n`);
    expect(parsePartitionMetadata(formatPartitionMetadata(NEW_ID))).toEqual({ topicId: NEW_ID });
    const full = formatPartitionMetadata(NEW_ID);
    // Every cut of a complete file (a torn write) is refused, never read as a shorter id.
    for (let cut = 0; cut < full.length; cut++)
      expect(parsePartitionMetadata(full.slice(0, cut))).toHaveProperty('reason');
    expect(parsePartitionMetadata(`version: 1\ntopic_id: ${NEW_ID}\n`)).toEqual({ reason: 'unknown version 1' });
    expect(parsePartitionMetadata('version: 0\ntopic_id: \n')).toHaveProperty('reason');
    expect(parsePartitionMetadata('\u0000\u0000\u0000\u0000')).toHaveProperty('reason');
  });
});

describe('LogManager with topic ids', () => {
  it('creates the directory with the topic id and reopens it (also after a restart) without touching the data', async () => {
    const dataDir = tempDir();
    const manager = await LogManager.open(dataDir, silentLogger);
    const log = await manager.getOrCreate('orders', 0, {}, NEW_ID);
    expect(fs.readFileSync(metadataFile(dataDir, 'orders', 0), 'utf8')).toBe(`version: 0\ntopic_id: ${NEW_ID}\n`);
    expect(manager.topicIdOf('orders', 0)).toBe(NEW_ID);
    expect(manager.topicIdOf('orders', 1)).toBeUndefined();
    log.appendAsLeader([batch('a', 4)], 1);
    expect(await manager.getOrCreate('orders', 0, {}, NEW_ID)).toBe(log);
    await log.flush();
    await manager.closeAll();

    const again = await LogManager.open(dataDir, silentLogger);
    expect(again.topicIdOf('orders', 0)).toBe(NEW_ID);
    const reopened = await again.getOrCreate('orders', 0, {}, NEW_ID);
    expect(reopened.logEndOffset).toBe(4);
    expect(valuesOf(await readAll(reopened))).toEqual(['a-0', 'a-1', 'a-2', 'a-3']);
    await again.closeAll();
  });

  it('replaces a log of another topic id (a deleted incarnation) with an empty log at offset 0', async () => {
    const dataDir = tempDir();
    await seed(dataDir, OLD_ID, 'old', 10);

    const manager = await LogManager.open(dataDir, silentLogger);
    expect(manager.topicIdOf('orders', 0)).toBe(OLD_ID);
    expect(manager.get('orders', 0)?.logEndOffset).toBe(10);
    const log = await manager.getOrCreate('orders', 0, {}, NEW_ID);
    expect(log.logStartOffset).toBe(0);
    expect(log.logEndOffset).toBe(0);
    expect(log.lastEpoch).toBe(-1);
    expect(manager.topicIdOf('orders', 0)).toBe(NEW_ID);
    expect(fs.readFileSync(metadataFile(dataDir, 'orders', 0), 'utf8')).toContain(`topic_id: ${NEW_ID}`);
    log.appendAsLeader([batch('new', 2)], 0);
    await log.flush();
    await manager.closeAll();

    // Durable: after a restart only the new incarnation's records are there, the old directory is gone.
    const again = await LogManager.open(dataDir, silentLogger);
    const reopened = await again.getOrCreate('orders', 0, {}, NEW_ID);
    expect(valuesOf(await readAll(reopened))).toEqual(['new-0', 'new-1']);
    await again.closeAll();
    expect(fs.readdirSync(path.join(dataDir, 'topics'))).toEqual(['orders-0']);
  });

  it('adopts a log without the file (written by an older Brook), keeping its records and recording the id', async () => {
    const dataDir = tempDir();
    await seed(dataDir, undefined, 'kept', 5);
    expect(fs.existsSync(metadataFile(dataDir, 'orders', 0))).toBe(false);

    const manager = await LogManager.open(dataDir, silentLogger);
    expect(manager.topicIdOf('orders', 0)).toBeNull();
    const log = await manager.getOrCreate('orders', 0, {}, NEW_ID);
    expect(log.logEndOffset).toBe(5);
    expect(valuesOf(await readAll(log))).toEqual(['kept-0', 'kept-1', 'kept-2', 'kept-3', 'kept-4']);
    expect(manager.topicIdOf('orders', 0)).toBe(NEW_ID);
    expect(fs.readFileSync(metadataFile(dataDir, 'orders', 0), 'utf8')).toBe(`version: 0\ntopic_id: ${NEW_ID}\n`);
    await manager.closeAll();
  });

  it('starts up past a garbage or torn file, treats it as no id, and rewrites it', async () => {
    const dataDir = tempDir();
    await seed(dataDir, OLD_ID, 'data', 3);
    const file = metadataFile(dataDir, 'orders', 0);
    const damaged = [
      Buffer.from([0xff, 0x00, 0x13, 0x37, 0x0a]),
      Buffer.from('version: 0\ntopic_id: 5b0e0f4e'),
      Buffer.alloc(70_000, 'x'),
    ];
    for (const bytes of damaged) {
      fs.writeFileSync(file, bytes);
      expect((await readPartitionMetadata(nodeDisk, path.dirname(file))).kind).toBe('damaged');
      const manager = await LogManager.open(dataDir, silentLogger);
      expect(manager.topicIdOf('orders', 0)).toBeNull();
      expect(manager.get('orders', 0)?.logEndOffset).toBe(3);
      await manager.closeAll();
    }
    const manager = await LogManager.open(dataDir, silentLogger);
    const log = await manager.getOrCreate('orders', 0, {}, OLD_ID);
    expect(log.logEndOffset).toBe(3);
    expect(fs.readFileSync(file, 'utf8')).toBe(`version: 0\ntopic_id: ${OLD_ID}\n`);
    await manager.closeAll();
  });

  it('serves concurrent opens of one partition with one log, and checks no id when none is given', async () => {
    const dataDir = tempDir();
    const manager = await LogManager.open(dataDir, silentLogger);
    const [a, b] = await Promise.all([
      manager.getOrCreate('orders', 0, {}, NEW_ID),
      manager.getOrCreate('orders', 0, {}, NEW_ID),
    ]);
    expect(a).toBe(b);
    // Callers that do not know the id (tests, tools) get the log as it is.
    expect(await manager.getOrCreate('orders', 0)).toBe(a);
    expect(manager.topicIdOf('orders', 0)).toBe(NEW_ID);
    await manager.closeAll();
  });
});
