// Whether a partition log may still be written, and the first failure that stopped it. A failed
// write or fsync leaves the files in a state the log cannot vouch for (a partial batch it could not
// cut off, writes the disk may have dropped), so from then on it refuses writes and flushes with
// KAFKA_STORAGE_ERROR until it is reopened, when recovery rescans it. Reads still work.
import { assert, ErrorCode, KafkaError, type Logger } from '../common/index.js';

export class LogHealth {
  /** close() has begun: appends are refused, reads work until the descriptors close. */
  closing = false;
  closed = false;
  /** A truncation is running: appends must not overlap it (the replication layer guarantees that). */
  truncating = false;
  private failure: Error | null = null;

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  get failed(): boolean {
    return this.failure !== null;
  }

  /** Throws the typed error that explains why the log cannot be written now, if it cannot. */
  checkWritable(): void {
    if (this.closed || this.closing) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${this.dir} is closed`);
    if (this.failure)
      throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${this.dir} failed: ${this.failure.message}`, {
        cause: this.failure,
      });
    assert(!this.truncating, 'no append while the log is being truncated');
  }

  /** Records `err` as the log's failure (the first one counts) and returns the error for the caller. */
  fail(err: unknown): KafkaError {
    const error = err instanceof Error ? err : new Error(String(err));
    if (!this.failure) {
      this.failure = error;
      this.logger.error({ dir: this.dir, err: error }, 'partition log failed; it refuses further writes');
    }
    return new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${this.dir}: ${error.message}`, { cause: error });
  }

  /** The error for a caller arriving after the failure; null while the log is healthy. */
  failedError(): KafkaError | null {
    return this.failure === null ? null : this.fail(this.failure);
  }
}
