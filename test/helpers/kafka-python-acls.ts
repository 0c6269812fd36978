// Runs test/fixtures/kafka-python-acls.py (Debian's kafka-python 2.0.2 under /usr/bin/python3) and
// parses the JSON it prints. `env` carries the client's security settings (KAFKA_SECURITY_PROTOCOL,
// KAFKA_SASL_MECHANISM, KAFKA_USER, KAFKA_PASSWORD) for the SASL suites.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, '../fixtures/kafka-python-acls.py');

export const kafkaPythonAvailable = spawnSync(PYTHON, ['-c', 'import kafka.admin'], { stdio: 'ignore' }).status === 0;

/** The ACL spec the fixture takes and prints: kafka-python's enum names. */
export interface PyAcl {
  readonly principal: string;
  readonly host?: string;
  readonly operation: string;
  readonly permission: 'ALLOW' | 'DENY';
  readonly resource_type: 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID';
  readonly resource_name: string;
  readonly pattern?: 'LITERAL' | 'PREFIXED';
}

export function kafkaPython<T>(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString().trim();
      if (code !== 0 || stdout === '') {
        reject(new Error(`kafka-python ${args[0]} exited ${code}: ${Buffer.concat(err).toString().slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(stdout.split('\n').at(-1)!) as T);
    });
  });
}
