// Micro-benchmark of the partition storage engine (no network, no replication).
//   node --import tsx scripts/bench-storage.ts [totalMiB=256] [batchKiB=32] [producers=16]
// Write phase: `producers` concurrent loops each append one batch of 1 KiB records and await
// flush() (flush.messages=1: every ack fsynced, group commit). Then the same with a relaxed policy
// (no flush awaited; one flush at the end). Read phase: a consumer reads everything back with 1 MiB
// fetches (page cache warm: the data was just written). Reports MB/s and fsyncs per flush round.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../src/common/log.js';
import { PartitionLog, buildRecordBatch, makeLogConfig } from '../src/storage/index.js';

const totalMiB = Number(process.argv[2] ?? 256);
const batchKiB = Number(process.argv[3] ?? 32);
const producers = Number(process.argv[4] ?? 16);
const MiB = 1024 * 1024;

function makeBatches(count: number): Buffer[] {
  const value = Buffer.alloc(1000, 0x61);
  return Array.from({ length: count }, (_, p) =>
    buildRecordBatch(
      Array.from({ length: batchKiB }, (_, i) => ({ key: Buffer.from(`key-${p}-${i}`), value, timestamp: Date.now() })),
    ),
  );
}

async function writePhase(
  dir: string,
  strict: boolean,
): Promise<{ log: PartitionLog; seconds: number; bytes: number }> {
  const log = await PartitionLog.open(dir, makeLogConfig({ flushMessages: strict ? 1 : 1_000_000 }), silentLogger);
  const batches = makeBatches(producers);
  const batchBytes = (batches[0] as Buffer).length;
  const rounds = Math.ceil((totalMiB * MiB) / batchBytes / producers);
  const started = process.hrtime.bigint();
  await Promise.all(
    batches.map(async (batch) => {
      for (let r = 0; r < rounds; r++) {
        log.appendAsLeader([batch], 0);
        if (strict) await log.flush();
        else if (r % 64 === 0) await new Promise((resolve) => setImmediate(resolve)); // let others in
      }
    }),
  );
  await log.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { log, seconds, bytes: rounds * producers * batchBytes };
}

async function readPhase(log: PartitionLog): Promise<{ seconds: number; bytes: number; fetches: number }> {
  const started = process.hrtime.bigint();
  let offset = 0;
  let bytes = 0;
  let fetches = 0;
  while (offset < log.logEndOffset && fetches < 10_000_000) {
    const result = await log.read(offset, MiB, log.logEndOffset);
    fetches++;
    bytes += result.bytes;
    const last = result.chunks[result.chunks.length - 1] as Buffer;
    // Next offset: the last batch's base offset + lastOffsetDelta + 1; find the last batch start.
    let at = 0;
    let lastStart = 0;
    while (at < last.length) {
      lastStart = at;
      at += last.readInt32BE(at + 8) + 12;
    }
    offset = Number(last.readBigInt64BE(lastStart)) + last.readInt32BE(lastStart + 23) + 1;
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes, fetches };
}

async function main(): Promise<void> {
  const batchBytes = (makeBatches(1)[0] as Buffer).length;
  console.log(
    `storage bench: ${totalMiB} MiB, batches of ${batchKiB} x 1 KiB records (${batchBytes} bytes), ${producers} concurrent producers, node ${process.version}`,
  );
  for (const strict of [true, false]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-'));
    try {
      const { log, seconds, bytes } = await writePhase(dir, strict);
      const policy = strict ? 'flush.messages=1 (fsync before ack, group commit)' : 'relaxed (no fsync per ack)';
      console.log(
        `append ${policy}: ${(bytes / MiB / seconds).toFixed(0)} MB/s, ${(bytes / batchBytes / seconds).toFixed(0)} batches/s, ` +
          `${log.stats.flushes} flush rounds, ${log.stats.fsyncs} fdatasyncs for ${Math.round(bytes / batchBytes)} appends, ${log.segmentCount} segments`,
      );
      const read = await readPhase(log);
      console.log(
        `read (warm page cache, 1 MiB fetches): ${(read.bytes / MiB / read.seconds).toFixed(0)} MB/s over ${read.fetches} fetches`,
      );
      await log.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

await main();
