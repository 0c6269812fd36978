// When a request came off the socket, and a hook for the moment its response is handed to the
// socket: the produce handler's stage timings (common/metrics-stages.ts) start and end here.
// One per request, made by the connection; in-process callers get one made at dispatch.
import { stageNowMs } from '../common/index.js';

export class RequestTiming {
  /** Called by the connection once the response's bytes are written to the socket (after earlier responses). */
  onWritten: (() => void) | null = null;

  constructor(
    /** stageNowMs when the request's last bytes were read off the socket. */
    readonly receivedAtMs: number = stageNowMs(),
  ) {}

  /** The connection wrote the response. */
  written(): void {
    const hook = this.onWritten;
    this.onWritten = null;
    hook?.();
  }
}
