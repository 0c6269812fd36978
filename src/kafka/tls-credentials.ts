// The Kafka listeners' certificate, key and client CA, read from PEM files and read again when
// the files change, so a certificate is rotated without a restart: new connections get the new
// one, open connections keep theirs. Files are polled (a stat a second) rather than watched,
// because rotation tools replace files by rename or swap a symlinked directory (Kubernetes
// secrets), which inotify watches on the old file never see. A change that does not load (a key
// written before its certificate, a mismatched pair) keeps the previous certificate and is logged;
// the next change is tried again.
import { readFile, stat } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from '../common/index.js';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly keyPassword: string | null;
  readonly caFile: string | null;
}

const RELOAD_CHECK_INTERVAL_MS = 1000;

async function fingerprint(files: TlsFiles): Promise<string> {
  const paths = [files.certFile, files.keyFile, ...(files.caFile ? [files.caFile] : [])];
  const stats = await Promise.all(paths.map((path) => stat(path)));
  return stats.map((s) => `${s.ino}:${s.size}:${s.mtimeMs}`).join('|');
}

async function contextOptions(files: TlsFiles): Promise<SecureContextOptions> {
  const [cert, key, ca] = await Promise.all([
    readFile(files.certFile),
    readFile(files.keyFile),
    files.caFile ? readFile(files.caFile) : Promise.resolve(undefined),
  ]);
  const options: SecureContextOptions = {
    cert,
    key,
    ...(files.keyPassword !== null ? { passphrase: files.keyPassword } : {}),
    ...(ca !== undefined ? { ca } : {}),
    minVersion: 'TLSv1.2',
  };
  // Throws on a bad PEM, a wrong passphrase or a key that does not match the certificate.
  createSecureContext(options);
  return options;
}

export class TlsCredentials {
  private readonly listeners: ((options: SecureContextOptions) => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  private checking = false;
  /** The last change that failed to load, logged once. */
  private refusedFingerprint: string | null = null;

  private constructor(
    private readonly files: TlsFiles,
    private options: SecureContextOptions,
    private loadedFingerprint: string,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => void this.check(), RELOAD_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  /** Reads the files; a file that is missing or does not load stops the start, naming why. */
  static async load(files: TlsFiles, log: Logger): Promise<TlsCredentials> {
    const loaded = await fingerprint(files);
    let options: SecureContextOptions;
    try {
      options = await contextOptions(files);
    } catch (err) {
      throw new Error(`TLS files ${files.certFile} and ${files.keyFile} do not load: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return new TlsCredentials(files, options, loaded, log);
  }

  /** The secure context options of the current files, TLS 1.2 at least. */
  get contextOptions(): SecureContextOptions {
    return this.options;
  }

  onReload(listener: (options: SecureContextOptions) => void): void {
    this.listeners.push(listener);
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const now = await fingerprint(this.files);
      if (now === this.loadedFingerprint || now === this.refusedFingerprint) return;
      try {
        this.options = await contextOptions(this.files);
      } catch (err) {
        this.refusedFingerprint = now;
        this.log.warn({ err: (err as Error).message }, 'TLS files changed but do not load; keeping the previous ones');
        return;
      }
      this.loadedFingerprint = now;
      this.refusedFingerprint = null;
      for (const listener of this.listeners) listener(this.options);
      this.log.info({ cert: this.files.certFile }, 'TLS certificate reloaded; new connections use it');
    } catch (err) {
      // A file missing for a moment (between a delete and a create): try again at the next tick.
      this.log.debug({ err: (err as Error).message }, 'TLS files not readable now');
    } finally {
      this.checking = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
