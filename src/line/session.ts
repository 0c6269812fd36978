// One line-protocol connection. Bytes are cut into lines at '\n' (a trailing '\r' dropped, as
// nc -C and telnet send them); each line is answered in order, one at a time. Memory per
// connection is bounded: a line longer than LINE_BYTES_MAX is answered with ERR LINE_TOO_LONG
// and skipped up to its end; reading pauses while PENDING_LINES_MAX lines wait or while the
// socket's send buffer is full, and resumes as they drain. Whatever a line holds, the answer is
// an ERR line, never a crash: an unexpected failure is logged and answered UNKNOWN_SERVER_ERROR.
import type { Socket } from 'node:net';
import type { BrokerConnection } from '../client/index.js';
import { ErrorCode, type Logger } from '../common/index.js';
import { errorLine, execute } from './commands.js';
import { parseLine } from './parse.js';

/** Longest line accepted (a PRODUCE value is one line). */
export const LINE_BYTES_MAX = 64 * 1024;
/** Lines read but not yet answered before reading pauses. */
const PENDING_LINES_MAX = 32;
const NEWLINE = 0x0a;

export class LineSession {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** Skipping the rest of a line that was too long, up to its newline. */
  private skipping = false;
  private readonly waiting: string[] = [];
  private running = false;
  private paused = false;
  private closed = false;
  /** The client finished sending (half-close): answer what is queued, then close. */
  private ended = false;

  constructor(
    private readonly socket: Socket,
    private readonly nodeId: number,
    private readonly connection: BrokerConnection,
    private readonly log: Logger,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'line connection error'));
    socket.on('end', () => {
      this.ended = true;
      if (!this.running) this.finishIfEnded();
    });
    socket.on('close', () => {
      this.closed = true;
      this.connection.close();
    });
  }

  private onData(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, at);
      const end = newline < 0 ? chunk.length : newline;
      const piece = chunk.subarray(at, end);
      at = newline < 0 ? chunk.length : newline + 1;
      if (!this.skipping) {
        this.partial.push(piece);
        this.partialBytes += piece.length;
        if (this.partialBytes > LINE_BYTES_MAX) {
          this.partial = [];
          this.partialBytes = 0;
          this.skipping = newline < 0;
          this.enqueue(null);
          continue;
        }
      }
      if (newline < 0) break;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      const line = Buffer.concat(this.partial, this.partialBytes).toString('utf8');
      this.partial = [];
      this.partialBytes = 0;
      this.enqueue(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
  }

  /** Queues a line (null: one that was too long) and pauses reading when too many wait. */
  private enqueue(line: string | null): void {
    this.waiting.push(line ?? '\u0000too-long');
    if (this.waiting.length >= PENDING_LINES_MAX) this.pause();
    void this.drainQueue();
  }

  private async drainQueue(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.waiting.length > 0 && !this.closed) {
        const line = this.waiting.shift()!;
        const reply = await this.answer(line);
        if (this.closed) return;
        if (!this.socket.write(reply)) this.pause();
        this.maybeResume();
      }
    } finally {
      this.running = false;
      this.finishIfEnded();
    }
  }

  private finishIfEnded(): void {
    if (!this.ended || this.closed || this.waiting.length > 0) return;
    // A line without its newline at the end of input is a line too.
    if (this.partialBytes > 0 && !this.skipping) {
      const line = Buffer.concat(this.partial, this.partialBytes).toString('utf8');
      this.partial = [];
      this.partialBytes = 0;
      this.enqueue(line.endsWith('\r') ? line.slice(0, -1) : line);
      return;
    }
    this.socket.end();
  }

  private async answer(line: string): Promise<string> {
    if (line === '\u0000too-long') {
      return errorLine(ErrorCode.INVALID_REQUEST, `line longer than ${LINE_BYTES_MAX} bytes (LINE_TOO_LONG); skipped`);
    }
    try {
      return await execute({ nodeId: this.nodeId, connection: this.connection }, parseLine(line));
    } catch (err) {
      this.log.error({ err }, 'line command failed');
      return errorLine(ErrorCode.UNKNOWN_SERVER_ERROR, 'the command failed; see the broker log');
    }
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  private maybeResume(): void {
    if (!this.paused || this.waiting.length >= PENDING_LINES_MAX / 2 || this.socket.writableNeedDrain) return;
    this.paused = false;
    this.socket.resume();
  }
}
