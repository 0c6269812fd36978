// How the client reaches one broker: a request goes out, its decoded response comes back. Two
// implementations: over a TCP socket (socket-transport.ts, the only file of the client that
// touches node:net) and in-process through a node's own dispatcher (dispatcher-transport.ts), so
// Brook's listeners that are not Kafka (the line protocol) and the node itself (applying a topics
// file at start) go through the same handlers as any Kafka client.
export interface Transport {
  /** host:port, for error messages. */
  readonly address: string;
  readonly isClosed: boolean;
  /** Sends one request at `version`; resolves with the decoded response body. */
  request<T>(apiKey: number, version: number, body: object): Promise<T>;
  /** Sends a request the broker does not answer (Produce with acks=0). */
  sendOnly(apiKey: number, version: number, body: object): void;
  close(): void;
}
