// The start-up warning that log bytes stay in the page cache: given only when the disk cannot take
// the advice, with the reason, and never when it can (a start-up warning on every healthy node
// teaches operators to ignore warnings).
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type Disk, LogManager, nodeDisk } from '../../src/storage/index.js';
import { tempDir } from './helpers.js';

async function warningsOpening(disk: Disk): Promise<{ msg: string; reason?: string }[]> {
  const lines: { msg: string; reason?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { msg: string; reason?: string });
      done();
    },
  });
  const manager = await LogManager.open(
    tempDir(),
    pino({ level: 'warn' }, sink),
    {},
    { disk, pageCacheRetainBytes: 0 },
  );
  await manager.closeAll();
  return lines.filter((line) => line.msg === 'log bytes stay in the page cache');
}

describe('page-cache warning at start', () => {
  it('is not given when the disk takes the advice', async () => {
    const advised: Disk = { ...nodeDisk, pageCache: { unavailable: () => null, dropCachedRange: () => true } };
    expect(await warningsOpening(advised)).toEqual([]);
  });

  it('names why when the advice cannot be given', async () => {
    const noAddon: Disk = {
      ...nodeDisk,
      pageCache: { unavailable: () => 'the page-cache addon did not load', dropCachedRange: () => false },
    };
    expect((await warningsOpening(noAddon)).map((w) => w.reason)).toEqual(['the page-cache addon did not load']);
    const { pageCache: _none, ...withoutPageCache } = nodeDisk;
    expect((await warningsOpening(withoutPageCache)).map((w) => w.reason)).toEqual([
      'the disk has no page cache to advise',
    ]);
  });
});
