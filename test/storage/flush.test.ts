import { describe, expect, it } from 'vitest';
import { type Disk, nodeDisk } from '../../src/storage/index.js';
import { batch, clockAt, openLog, tempDir } from './helpers.js';

describe('flush (group commit)', () => {
  it('serves many concurrent flush() calls with far fewer fdatasyncs', async () => {
    const log = await openLog(tempDir(), { segmentBytes: 1 << 30 });
    const before = { ...log.stats };
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      log.appendAsLeader([batch(`b${i}`, 1, { valueBytes: 100 })], 0);
      waits.push(log.flush());
    }
    await Promise.all(waits);
    expect(log.durableEndOffset).toBe(200);
    const fsyncs = log.stats.fsyncs - before.fsyncs;
    expect(fsyncs).toBeGreaterThanOrEqual(1);
    expect(fsyncs).toBeLessThanOrEqual(2); // one in flight + one covering everyone who came later
    await log.close();
  });

  it('resolves a flush only after the bytes appended before it are durable, interleaved with appends', async () => {
    const log = await openLog(tempDir(), { segmentBytes: 1 << 30 });
    const seen: number[] = [];
    const rounds: Promise<void>[] = [];
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 10; i++) {
        const { lastOffset } = log.appendAsLeader([batch(`r${round}-${i}`, 1)], 0);
        rounds.push(log.flush().then(() => void seen.push(log.durableEndOffset - 1 - lastOffset)));
      }
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(rounds);
    expect(seen.every((gap) => gap >= 0)).toBe(true); // durableEndOffset covered each caller's append
    expect(log.stats.fsyncs).toBeLessThan(200 / 2);
    await log.close();
  });

  it('a flush with nothing new resolves without an fsync', async () => {
    const log = await openLog(tempDir());
    log.appendAsLeader([batch('a', 1)], 0);
    await log.flush();
    const fsyncs = log.stats.fsyncs;
    await log.flush();
    await log.flush();
    expect(log.stats.fsyncs).toBe(fsyncs);
    await log.close();
  });

  it('syncs a rolled segment once, together with the active one', async () => {
    const log = await openLog(tempDir(), { segmentBytes: 1024 });
    const before = log.stats.fsyncs;
    for (let i = 0; i < 5; i++) log.appendAsLeader([batch(`b${i}`, 1, { valueBytes: 300 })], 0);
    expect(log.segmentCount).toBeGreaterThan(1);
    await log.flush();
    expect(log.stats.fsyncs - before).toBe(log.segmentCount);
    log.appendAsLeader([batch('more', 1)], 0);
    await log.flush();
    expect(log.stats.fsyncs - before).toBe(log.segmentCount + 1);
    await log.close();
  });

  it('reports the flush policy', async () => {
    let now = 0;
    const strict = await openLog(tempDir());
    expect(strict.needsFlushBeforeAck()).toBe(true);
    const relaxed = await openLog(tempDir(), { flushMessages: 10, flushMs: 1000 }, { clock: clockAt(() => now) });
    expect(relaxed.needsFlushBeforeAck()).toBe(false);
    relaxed.appendAsLeader([batch('a', 3)], 0);
    expect(relaxed.flushDue(now)).toBe(false);
    relaxed.appendAsLeader([batch('b', 7)], 0);
    expect(relaxed.flushDue(now)).toBe(true);
    await relaxed.flush();
    expect(relaxed.flushDue(now)).toBe(false);
    relaxed.appendAsLeader([batch('c', 1)], 0);
    now += 1001;
    expect(relaxed.flushDue(now)).toBe(true);
    await strict.close();
    await relaxed.close();
  });
});

describe('flush and the leader-epoch checkpoint', () => {
  it("writes a rolled segment's index files only once an epoch checkpoint write in flight is durable", async () => {
    // A disk that holds the checkpoint's write until released, and records when index files appear.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    const events: string[] = [];
    const disk: Disk = new Proxy(nodeDisk, {
      get(target, prop, receiver) {
        if (prop === 'writeFile') {
          return async (file: string, data: Uint8Array | string, sync: boolean) => {
            if (holding && file.includes('leader-epoch-checkpoint')) {
              await held;
              events.push('checkpoint durable');
            }
            await target.writeFile(file, data, sync);
          };
        }
        if (prop === 'rename') {
          return async (from: string, to: string) => {
            await target.rename(from, to);
            if (to.endsWith('.index')) events.push('index written');
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const log = await openLog(tempDir(), { segmentBytes: 1024 }, { disk });
    log.appendAsLeader([batch('a', 1, { valueBytes: 700 })], 0);
    log.appendAsLeader([batch('b', 1, { valueBytes: 700 })], 0); // rolls: segment 0 goes inactive
    holding = true;
    const epoch = log.assignEpochStart(1, log.logEndOffset); // its checkpoint write is held
    const flushed = log.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await Promise.all([epoch, flushed]);
    expect(events.indexOf('checkpoint durable')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('index written')).toBeGreaterThan(events.indexOf('checkpoint durable'));
    await log.close();
  });
});
