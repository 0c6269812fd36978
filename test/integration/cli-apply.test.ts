// Declarative topics against a real node: a node started with --apply FILE has the file's topics
// once it is up; `brook apply -f` prints the diff first, changes nothing with --dry-run, applies
// creations, added partitions and config changes, finds nothing to do the second time, refuses a
// whole plan that has a conflict (fewer partitions, another replication factor), deletes only
// with --prune (never an internal topic), and names file and line for a bad file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brook, shown } from '../helpers/cli.js';
import { type NodeProcess, startSingleNode, stopAll, tempDir, waitFor } from '../helpers/node-process.js';

let node: NodeProcess;
let at: string[];
let dir: string;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

interface Described {
  partitions: unknown[];
  configs: { name: string; value: string }[];
}

async function describeTopic(name: string): Promise<Described | null> {
  const result = await brook(['topic', 'describe', name, '--output', 'json', ...at]);
  return result.code === 0 ? (JSON.parse(result.stdout) as Described) : null;
}

async function topicNames(): Promise<string[]> {
  const result = await brook(['topic', 'list', '--output', 'json', ...at]);
  return (JSON.parse(result.stdout) as { name: string }[]).map((t) => t.name).sort();
}

beforeAll(async () => {
  dir = tempDir('brook-apply-');
  const boot = file(
    'boot.yaml',
    'topics:\n  - name: from-boot\n    partitions: 2\n    configs:\n      retention.ms: 3600000\n',
  );
  node = await startSingleNode({ extraArgs: ['--apply', boot, '--offsets-topic-partitions', '3'] });
  at = ['--bootstrap-server', node.bootstrap];
});

afterAll(async () => {
  await stopAll();
});

describe('declarative topics', () => {
  it('applies the --apply file when the node starts', async () => {
    const described = await waitFor('the topic of the boot file', () => describeTopic('from-boot'), 30_000);
    expect(described.partitions).toHaveLength(2);
    expect(described.configs).toEqual([expect.objectContaining({ name: 'retention.ms', value: '3600000' })]);
    expect(node.logs).toContain('topics file applied');
  });

  it('shows the diff, changes nothing on a dry run, applies, and then finds no changes', async () => {
    const path = file(
      'topics.yaml',
      [
        'topics:',
        '  - name: payments',
        '    partitions: 3',
        '    replicationFactor: 1',
        '    configs:',
        '      retention.ms: 604800000',
        '      cleanup.policy: delete',
        '  - name: audit',
        '  - name: from-boot',
        '    partitions: 2',
        '    configs:',
        '      retention.ms: 3600000',
        '',
      ].join('\n'),
    );
    const dry = await brook(['apply', '-f', path, '--dry-run', ...at]);
    expect(dry.code, shown(dry)).toBe(0);
    expect(dry.stdout).toBe(
      [
        '+ topic payments: partitions 3, replication factor 1, configs retention.ms=604800000 cleanup.policy=delete',
        '+ topic audit: partitions default, replication factor default',
        'dry run: nothing changed',
        '',
      ].join('\n'),
    );
    expect(await topicNames()).toEqual(['from-boot']);

    const applied = await brook(['apply', '-f', path, ...at]);
    expect(applied.code, shown(applied)).toBe(0);
    expect(applied.stdout).toMatch(/^\+ topic payments: .*\n\+ topic audit: .*\napplied 2 changes\n$/);
    expect(await topicNames()).toEqual(['audit', 'from-boot', 'payments']);
    const payments = (await describeTopic('payments'))!;
    expect(payments.partitions).toHaveLength(3);
    expect(payments.configs.map((c) => [c.name, c.value]).sort()).toEqual([
      ['cleanup.policy', 'delete'],
      ['retention.ms', '604800000'],
    ]);

    const again = await brook(['apply', '-f', path, ...at]);
    expect(again.code, shown(again)).toBe(0);
    expect(again.stdout).toBe('no changes\n');
  });

  it('adds partitions and changes configs, as the diff says', async () => {
    const path = file(
      'grown.yaml',
      [
        'topics:',
        '  - name: payments',
        '    partitions: 5',
        '    configs:',
        '      retention.ms: 86400000',
        '      cleanup.policy: delete',
        '',
      ].join('\n'),
    );
    const applied = await brook(['apply', '-f', path, '--output', 'json', ...at]);
    expect(applied.code, shown(applied)).toBe(0);
    const result = JSON.parse(applied.stdout) as { applied: boolean; changes: { kind: string }[] };
    expect(result.applied).toBe(true);
    expect(result.changes.map((c) => c.kind)).toEqual(['add-partitions', 'set-configs']);
    const payments = (await describeTopic('payments'))!;
    expect(payments.partitions).toHaveLength(5);
    expect(payments.configs.find((c) => c.name === 'retention.ms')!.value).toBe('86400000');
    const table = await brook(['apply', '-f', path, '--dry-run', ...at]);
    expect(table.stdout).toBe('no changes\n');
  });

  it('refuses a plan with a conflict as a whole', async () => {
    const path = file(
      'conflict.yaml',
      [
        'topics:',
        '  - name: newcomer',
        '  - name: payments',
        '    partitions: 2',
        '  - name: audit',
        '    replicationFactor: 3',
        '',
      ].join('\n'),
    );
    const refused = await brook(['apply', '-f', path, ...at]);
    expect(refused.code, shown(refused)).toBe(1);
    expect(refused.stdout).toContain('+ topic newcomer');
    expect(refused.stdout).toContain(
      '! topic payments: has 5 partitions, the file says 2: partitions cannot be removed',
    );
    expect(refused.stdout).toMatch(/! topic audit: replication factor is 1, the file says 3/);
    expect(refused.stderr).toMatch(/^brook: .*conflict\.yaml:3: .*partitions cannot be removed\n$/);
    expect(await topicNames()).not.toContain('newcomer');
  });

  it('deletes topics and configs the file does not name only with --prune, never an internal topic', async () => {
    const path = file(
      'pruned.yaml',
      ['topics:', '  - name: payments', '    configs:', '      retention.ms: 86400000', ''].join('\n'),
    );
    const kept = await brook(['apply', '-f', path, ...at]);
    expect(kept.code, shown(kept)).toBe(0);
    expect(kept.stdout).toBe('no changes\n');

    const dry = await brook(['apply', '-f', path, '--prune', '--dry-run', ...at]);
    expect(dry.stdout).toContain('- topic payments: config cleanup.policy (back to the broker default)');
    expect(dry.stdout).toContain('- topic audit (deleted with its data)');
    expect(dry.stdout).toContain('- topic from-boot (deleted with its data)');
    expect(dry.stdout).not.toContain('__consumer_offsets');

    const pruned = await brook(['apply', '-f', path, '--prune', ...at]);
    expect(pruned.code, shown(pruned)).toBe(0);
    expect(await topicNames()).toEqual(['payments']);
    expect((await describeTopic('payments'))!.configs.map((c) => c.name)).toEqual(['retention.ms']);
    const internal = await brook(['topic', 'describe', '__consumer_offsets', ...at]);
    expect(internal.code, shown(internal)).toBe(0);
  });

  it('names the file and line of a bad entry, and changes nothing', async () => {
    const cases: [string, RegExp][] = [
      ['topics:\n  - name: typo\n    partitons: 3\n', /^brook: .*typo1\.yaml:3: .*partitons/],
      ['topics:\n  - name: bad\n    partitions: many\n', /^brook: .*typo2\.yaml:3: partitions must be/],
      ['topics:\n  - name: "no/slash"\n', /^brook: .*typo3\.yaml:2: .*topic name/],
      ['topics: [\n', /^brook: .*typo4\.yaml:\d+: /],
      ['topics:\n  - name: twice\n  - name: twice\n', /^brook: .*typo5\.yaml:3: .*twice/],
    ];
    for (const [i, [text, stderr]] of cases.entries()) {
      const path = file(`typo${i + 1}.yaml`, text);
      const result = await brook(['apply', '-f', path, ...at]);
      expect(result.code, `${text}\n${shown(result)}`).toBe(1);
      expect(result.stderr, text).toMatch(stderr);
      expect(result.stderr.trimEnd().split('\n'), text).toHaveLength(1);
    }
    const missing = await brook(['apply', '-f', join(dir, 'absent.yaml'), ...at]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^brook: cannot read .*absent\.yaml: ENOENT\n$/);
    const noFile = await brook(['apply', ...at]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/required option '-f, --file <file>' not specified/);
    expect(await topicNames()).toEqual(['payments']);
  });
});
