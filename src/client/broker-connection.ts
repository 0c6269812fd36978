// One broker as the client uses it: a transport whose API versions were negotiated once, when it
// was opened, with ApiVersions v3 (Kafka 2.4+ and Brook speak it; an older broker answers with a
// v0 body this client reports as a malformed response).
import { ErrorCode } from '../common/index.js';
import type { ApiVersionsResponse } from '../kafka/index.js';
import { Api, type ApiKey, type BrokerRanges, chooseVersion, unsupportedVersionError } from './api-versions.js';
import type { Transport } from './transport.js';

const SOFTWARE_NAME = 'brook-cli';
const SOFTWARE_VERSION = '0.1.0';

export class BrokerConnection {
  private constructor(
    readonly transport: Transport,
    private readonly ranges: BrokerRanges,
  ) {}

  static async open(transport: Transport): Promise<BrokerConnection> {
    try {
      const answer = await transport.request<ApiVersionsResponse>(Api.ApiVersions, 3, {
        clientSoftwareName: SOFTWARE_NAME,
        clientSoftwareVersion: SOFTWARE_VERSION,
      });
      if (answer.errorCode !== ErrorCode.NONE) throw unsupportedVersionError(transport.address, answer.errorCode);
      return new BrokerConnection(transport, new Map(answer.apiKeys.map((a) => [a.apiKey, a])));
    } catch (err) {
      transport.close();
      throw err;
    }
  }

  get address(): string {
    return this.transport.address;
  }

  get isClosed(): boolean {
    return this.transport.isClosed;
  }

  supports(apiKey: ApiKey): boolean {
    return this.ranges.has(apiKey);
  }

  /** The version a request of `apiKey` goes out at. */
  version(apiKey: ApiKey): number {
    return chooseVersion(apiKey, this.ranges, this.address);
  }

  send<T>(apiKey: ApiKey, body: object): Promise<T> {
    return this.transport.request<T>(apiKey, this.version(apiKey), body);
  }

  sendOnly(apiKey: ApiKey, body: object): void {
    this.transport.sendOnly(apiKey, this.version(apiKey), body);
  }

  close(): void {
    this.transport.close();
  }
}
