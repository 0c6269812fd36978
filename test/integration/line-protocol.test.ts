// The line protocol (--line-port) of a real node, through a raw TCP socket as `nc` sends it, and
// through nc itself (netcat-openbsd, which half-closes after its input with -N, and quits when the node closes): PRODUCE answers
// with the partition and offset, CONSUME with the records from an offset, records cross over to
// and from kafkajs, and every malformed line — unknown words, bad numbers, an empty line, a line
// over the length limit, bytes that are not UTF-8 — gets one ERR line while the connection goes on.
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type NodeProcess, startSingleNode, stopAll } from '../helpers/node-process.js';
import { netcatAvailable, requireTool } from '../helpers/tools.js';

let node: NodeProcess;
let linePort: number;

beforeAll(async () => {
  linePort = await freePort();
  node = await startSingleNode({
    extraArgs: ['--line-port', String(linePort), '--default-partitions', '1', '--offsets-topic-partitions', '3'],
  });
});

afterAll(async () => {
  await stopAll();
});

/** A raw connection that reads answer lines; `expectLines(n)` waits for the next n. */
class LineClient {
  private buffered = '';
  private readonly waiters: (() => void)[] = [];
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffered += text;
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static open(): Promise<LineClient> {
    return new Promise((resolveOpen, reject) => {
      const socket = connect({ host: '127.0.0.1', port: linePort }, () => resolveOpen(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  async expectLines(count: number, timeoutMs = 20_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffered.split('\n').length - 1 < count) {
      if (Date.now() > deadline) throw new Error(`waited for ${count} lines, have: ${JSON.stringify(this.buffered)}`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 100);
      });
    }
    const lines = this.buffered.split('\n');
    const taken = lines.slice(0, count);
    this.buffered = lines.slice(count).join('\n');
    return taken;
  }

  /** Until a line that starts with END or ERR: a CONSUME answer. */
  async expectAnswer(): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const [line] = await this.expectLines(1);
      out.push(line!);
      if (/^(END|ERR) /.test(line!)) return out;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('the line protocol', () => {
  it('produces and consumes as the seed does (PRODUCE Payments key1 HelloWorld, CONSUME Payments 0 0)', async () => {
    const client = await LineClient.open();
    client.send('PRODUCE Payments key1 HelloWorld\n');
    expect(await client.expectLines(1)).toEqual(['OK 0 0']);
    client.send('PRODUCE Payments key2 a value  with  spaces\r\n'); // nc -C and telnet end lines with CRLF
    expect(await client.expectLines(1)).toEqual(['OK 0 1']);
    client.send('consume Payments 0 0\n');
    const answer = await client.expectAnswer();
    expect(answer).toHaveLength(3);
    expect(answer[0]).toMatch(/^RECORD 0 \d+ key1 HelloWorld$/);
    expect(answer[1]).toMatch(/^RECORD 1 \d+ key2 a value {2}with {2}spaces$/);
    expect(answer[2]).toBe('END 2 2');
    client.send('CONSUME Payments 0 1 1\nCONSUME Payments 0 2\n');
    expect(await client.expectAnswer()).toEqual([expect.stringMatching(/^RECORD 1 \d+ key2 /), 'END 2 2']);
    expect(await client.expectAnswer()).toEqual(['END 2 2']);
    client.close();
  });

  it('shares records with Kafka clients both ways, escaping what would break a line', async () => {
    const kafka = new Kafka({ brokers: [node.bootstrap], clientId: 'line-test', logLevel: logLevel.NOTHING });
    const client = await LineClient.open();
    client.send('PRODUCE crossing from-line hello kafkajs\n');
    expect(await client.expectLines(1)).toEqual(['OK 0 0']);

    const consumer = kafka.consumer({ groupId: 'line-reader' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'crossing', fromBeginning: true });
    const seen = new Promise<[string, string]>((resolveSeen) => {
      void consumer.run({
        eachMessage: ({ message }) => {
          resolveSeen([message.key?.toString() ?? '', message.value?.toString() ?? '']);
          return Promise.resolve();
        },
      });
    });
    expect(await seen).toEqual(['from-line', 'hello kafkajs']);
    await consumer.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'crossing',
      messages: [
        { key: 'two words', value: 'line one\nline two\\' },
        { key: null, value: '' },
      ],
    });
    await producer.disconnect();
    client.send('CONSUME crossing 0 1\n');
    const answer = await client.expectAnswer();
    expect(answer[0]).toMatch(/^RECORD 1 \d+ two\\swords line one\\nline two\\\\$/);
    expect(answer[1]).toMatch(/^RECORD 2 \d+ \\N $/);
    expect(answer[2]).toBe('END 3 3');
    client.close();
  });

  it('answers each malformed line with one ERR line and keeps the connection', async () => {
    const client = await LineClient.open();
    client.send('PRODUCE sturdy k v\n');
    expect(await client.expectLines(1)).toEqual(['OK 0 0']);
    const bad: [string | Buffer, RegExp][] = [
      ['\n', /^ERR INVALID_REQUEST empty line/],
      ['   \t \n', /^ERR INVALID_REQUEST empty line/],
      ['HELLO world\n', /^ERR INVALID_REQUEST unknown command 'HELLO'/],
      ['PRODUCE\n', /^ERR INVALID_REQUEST usage: PRODUCE <topic> <key> <value>$/],
      ['PRODUCE sturdy onlykey\n', /^ERR INVALID_REQUEST usage: PRODUCE/],
      ['PRODUCE bad/topic k v\n', /^ERR INVALID_REQUEST 'bad\/topic' is not a topic name$/],
      ['CONSUME sturdy\n', /^ERR INVALID_REQUEST usage: CONSUME/],
      ['CONSUME sturdy zero 0\n', /^ERR INVALID_REQUEST partition 'zero' is not a number$/],
      ['CONSUME sturdy 0 -1\n', /^ERR INVALID_REQUEST offset '-1' is not a number$/],
      ['CONSUME sturdy 0 0 0\n', /^ERR INVALID_REQUEST max records must be 1 to 1000$/],
      ['CONSUME sturdy 0 0 5 extra\n', /^ERR INVALID_REQUEST usage: CONSUME/],
      ['CONSUME sturdy 99999999999 0\n', /^ERR INVALID_REQUEST partition '99999999999' is not a number$/],
      ['CONSUME sturdy 7 0\n', /^ERR UNKNOWN_TOPIC_OR_PARTITION /],
      ['CONSUME no-such-topic 0 0\n', /^ERR UNKNOWN_TOPIC_OR_PARTITION /],
      ['CONSUME sturdy 0 50\n', /^ERR OFFSET_OUT_OF_RANGE .*the log holds 0 to 1/],
      [Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0a]), /^ERR INVALID_REQUEST unknown command/],
      [`PRODUCE sturdy k ${'x'.repeat(70 * 1024)}\n`, /^ERR INVALID_REQUEST line longer than 65536 bytes/],
    ];
    for (const [line, answer] of bad) {
      client.send(line);
      const [got] = await client.expectLines(1);
      expect(got, JSON.stringify(line.slice(0, 40))).toMatch(answer);
    }
    // Still the same connection, still answering.
    client.send('CONSUME sturdy 0 0\n');
    expect(await client.expectAnswer()).toEqual([expect.stringMatching(/^RECORD 0 \d+ k v$/), 'END 1 1']);
    client.close();
  });

  it('answers lines sent together, and split across writes, in order', async () => {
    const client = await LineClient.open();
    const burst = Array.from({ length: 50 }, (_, i) => `PRODUCE burst k${i} v${i}\n`).join('');
    client.send(burst);
    const answers = await client.expectLines(50);
    expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => `OK 0 ${i}`));
    client.send('CONS');
    client.send('UME burst 0 4');
    client.send('8\n');
    expect(await client.expectAnswer()).toEqual([
      expect.stringMatching(/^RECORD 48 \d+ k48 v48$/),
      expect.stringMatching(/^RECORD 49 \d+ k49 v49$/),
      'END 50 50',
    ]);
    client.close();
  });

  it.runIf(requireTool('nc (netcat-openbsd)', netcatAvailable))(
    'works with nc -N: it sends its input, half-closes, and gets every answer (the last line without a newline too)',
    async () => {
      const input = 'PRODUCE netcat key1 HelloWorld\nBOGUS\nCONSUME netcat 0 0';
      const nc = spawn('nc', ['-N', '127.0.0.1', String(linePort)], { stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      nc.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
      nc.stdin.end(input);
      const code = await new Promise<number | null>((resolveExit, rejectExit) => {
        const timer = setTimeout(() => nc.kill('SIGKILL'), 20_000);
        nc.once('error', (error) => {
          clearTimeout(timer);
          rejectExit(error);
        });
        nc.once('close', (exitCode) => {
          clearTimeout(timer);
          resolveExit(exitCode);
        });
      });
      expect(code, output).toBe(0);
      const lines = output.trimEnd().split('\n');
      expect(lines[0]).toBe('OK 0 0');
      expect(lines[1]).toMatch(/^ERR INVALID_REQUEST unknown command 'BOGUS'/);
      expect(lines[2]).toMatch(/^RECORD 0 \d+ key1 HelloWorld$/);
      expect(lines[3]).toBe('END 1 1');
      expect(lines).toHaveLength(4);
    },
  );
});
