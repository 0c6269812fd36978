// Ports for nodes that learn them before binding (the embedded cluster, the test clusters): drawn
// below the kernel's range for outgoing connections, free when handed out, never handed out twice.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/common/index.js';

function ephemeralLow(): number | null {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return null;
  }
}

describe('freePort', () => {
  it('draws distinct ports from the range asked, below the outgoing connections range', async () => {
    const ports = [];
    for (let i = 0; i < 20; i++) ports.push(await freePort({ min: 15_000, max: 15_200 }));
    expect(new Set(ports).size).toBe(20);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(15_000);
      expect(port).toBeLessThan(15_200);
    }
    const low = ephemeralLow();
    if (low !== null) expect(await freePort()).toBeLessThan(low);
  });

  it('hands out a port that can be bound', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
