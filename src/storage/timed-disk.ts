// A Disk that reports how long each fdatasync took, for the fsync latency histogram. Wrapping
// the disk keeps the measurement out of the flush path's code and covers every fsync storage
// makes (segments, checkpoints, the small files beside them).
import type { Disk } from './disk.js';

export function timedDisk(disk: Disk, observe: (seconds: number) => void): Disk {
  return {
    ...disk,
    async fdatasync(fd) {
      const startedAt = performance.now();
      try {
        await disk.fdatasync(fd);
      } finally {
        observe((performance.now() - startedAt) / 1000);
      }
    },
  };
}
