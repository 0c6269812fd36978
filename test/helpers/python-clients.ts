// Runs Debian's Python Kafka clients (confluent-kafka on librdkafka 2.0.2, kafka-python 2.0.2)
// under /usr/bin/python3, whose site packages hold them (a pyenv python3 on PATH may not).
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const PYTHON = '/usr/bin/python3';
const ROUNDTRIP = resolve(import.meta.dirname, 'python/roundtrip.py');

export const pythonKafkaAvailable =
  spawnSync(PYTHON, ['-c', 'import confluent_kafka, kafka'], { stdio: 'ignore' }).status === 0;

export interface RoundTrip {
  readonly client: 'confluent' | 'kafka-python';
  readonly bootstrap: string;
  readonly topic: string;
  readonly count: number;
  readonly config: Readonly<Record<string, string | number | boolean>>;
}

export type RoundTripResult = { produced: number; consumed: string[] } | { error: string };

/** Produces `count` messages and consumes them back; resolves with what the script printed. */
export function pythonRoundTrip(args: RoundTrip, timeoutMs = 90_000): Promise<RoundTripResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(PYTHON, [ROUNDTRIP, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      const line = Buffer.concat(out).toString().trim().split('\n').pop() ?? '';
      try {
        resolvePromise(JSON.parse(line) as RoundTripResult);
      } catch {
        resolvePromise({ error: `no answer; stderr: ${Buffer.concat(err).toString().slice(-2000)}` });
      }
    });
  });
}
